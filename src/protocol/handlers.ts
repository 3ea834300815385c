import type { Static } from '@sinclair/typebox';
import type { Master, ServerStatus, ServerView, UnderReplicated } from '../core/index.js';
import { ChunkmasterError } from './errors.js';
import type {
  CheckReplicationResult,
  ChunkLocationsMessage,
  ChunkLocationsResult,
  DrainServerMessage,
  DrainServerResult,
  ForgetServerMessage,
  ForgetServerResult,
  HeartbeatReport,
  HeartbeatResult,
  ReadyResult,
  ServerEntry,
  ServerStatusMessage,
  ServerStatusResult,
  UnderReplicatedEntry,
  VerboseServerEntry,
} from './schemas.js';

/*
 * One function per message, shared by stdio, WebSocket and HTTP: a request's
 * fields in, the reply's fields out, every field present (the protocol
 * leaves empty instruction lists out when it encodes; HTTP sends them).
 * A refusal is a ChunkmasterError thrown from the table in errors.ts.
 */

export type ServerEntryFields = Static<typeof ServerEntry>;
export type VerboseServerEntryFields = Static<typeof VerboseServerEntry>;

/** init_ok carries no field: the node id is the transport's business. */
export function init(): Record<string, never> {
  return {};
}

export function heartbeat(master: Master, now: number, report: Static<typeof HeartbeatReport>): Static<typeof HeartbeatResult> {
  checkReportShape(report);
  const reply = master.heartbeat(now, {
    server: report.server,
    chunks: report.chunks,
    report: report.report,
    chunksAdded: report.chunks_added,
    chunksRemoved: report.chunks_removed,
    diskUsagePct: report.disk_usage_pct,
    health: report.health,
  });
  const { status, leadership, chunksToDelete, chunksToReplicate, fullReport } = reply;
  // Two literals, not a spread of the leadership: a spread builds the reply field by field, on every heartbeat.
  if (leadership === undefined) return { status, chunks_to_delete: chunksToDelete, chunks_to_replicate: chunksToReplicate, full_report: fullReport };
  const { role, epoch, leader } = leadership;
  return { status, role, epoch, leader, chunks_to_delete: chunksToDelete, chunks_to_replicate: chunksToReplicate, full_report: fullReport };
}

/**
 * What the schema cannot say of a heartbeat (CONTRACT 9), checked before the
 * core sees it so a refusal changes nothing: a full list and an incremental
 * report never mix, and a report part carries its handles and a part number
 * below its count.
 */
function checkReportShape(report: Static<typeof HeartbeatReport>): void {
  if (report.chunks !== undefined) {
    if (report.chunks_added !== undefined) throw new ChunkmasterError('FULL_AND_INCREMENTAL', 'chunks_added');
    if (report.chunks_removed !== undefined) throw new ChunkmasterError('FULL_AND_INCREMENTAL', 'chunks_removed');
  }
  const part = report.report;
  if (part === undefined) return;
  if (report.chunks === undefined) throw new ChunkmasterError('REPORT_WITHOUT_CHUNKS');
  if (part.part >= part.parts) throw new ChunkmasterError('REPORT_PART_OUT_OF_RANGE', part.parts, part.part);
}

/** server_status's `verbose`, and the `status` filter HTTP adds. */
export interface ServerStatusQuery extends Pick<ServerStatusMessage, 'verbose'> {
  status?: ServerStatus | undefined;
}

export function serverStatus(master: Master, now: number, query: ServerStatusQuery & { verbose: true }): { servers: VerboseServerEntryFields[] };
export function serverStatus(master: Master, now: number, query: ServerStatusQuery): Static<typeof ServerStatusResult>;
export function serverStatus(master: Master, now: number, query: ServerStatusQuery): Static<typeof ServerStatusResult> {
  const verbose = query.verbose === true;
  return { servers: master.serverStatus(now, query.status).map((view) => serverEntry(view, verbose)) };
}

/** One server, verbose. */
export function server(master: Master, now: number, request: Pick<DrainServerMessage, 'server'>): VerboseServerEntryFields {
  return serverEntry(knownServer(master, now, request.server), true);
}

export type ServerDetailFields = VerboseServerEntryFields & { instructions: { copies_out: number; copies_in: number; deletes: number } };

/** GET /servers/{id}: one server, verbose, with the instructions it takes part in. */
export function serverDetail(master: Master, now: number, request: Pick<DrainServerMessage, 'server'>): ServerDetailFields {
  const view = knownServer(master, now, request.server);
  const { copiesOut, copiesIn, deletes } = view.instructions;
  return { ...serverEntry(view, true), instructions: { copies_out: copiesOut, copies_in: copiesIn, deletes } };
}

function knownServer(master: Master, now: number, server: string): ServerView {
  const view = master.server(now, server);
  if (view === undefined) throw new ChunkmasterError('UNKNOWN_SERVER', server);
  return view;
}

/** One server_status entry, fields in contract order. */
export function serverEntry(view: ServerView, verbose: true): VerboseServerEntryFields;
export function serverEntry(view: ServerView, verbose: boolean): ServerEntryFields;
export function serverEntry(view: ServerView, verbose: boolean): ServerEntryFields {
  const entry: ServerEntryFields = {
    server: view.server,
    status: view.status,
    chunks: view.chunks,
    last_heartbeat_ms_ago: view.lastHeartbeatMsAgo,
  };
  if (verbose) {
    entry.disk_usage_pct = view.diskUsagePct;
    entry.health = view.health;
    entry.missed_heartbeats = view.missedHeartbeats;
  }
  return entry;
}

export function chunkLocations(master: Master, now: number, request: Pick<ChunkLocationsMessage, 'chunk'>): Static<typeof ChunkLocationsResult> {
  return { chunk: request.chunk, servers: master.chunkLocations(now, request.chunk) };
}

export function checkReplication(master: Master, now: number): Static<typeof CheckReplicationResult> {
  return { under_replicated: underReplicatedEntries(master.checkReplication(now)) };
}

/** check_replication entries, fields in contract order. */
export function underReplicatedEntries(entries: readonly UnderReplicated[]): Static<typeof UnderReplicatedEntry>[] {
  return entries.map((entry) => ({
    chunk: entry.chunk,
    current_rf: entry.currentRf,
    target_rf: entry.targetRf,
    priority: entry.priority,
  }));
}

export function drainServer(master: Master, now: number, request: Pick<DrainServerMessage, 'server'>): Static<typeof DrainServerResult> {
  const view = master.drainServer(now, request.server);
  if (view === undefined) throw new ChunkmasterError('UNKNOWN_SERVER', request.server);
  return { server: view.server, status: view.status };
}

export function forgetServer(master: Master, now: number, request: Pick<ForgetServerMessage, 'server'>): Static<typeof ForgetServerResult> {
  const outcome = master.forgetServer(now, request.server);
  if (outcome === 'unknown') throw new ChunkmasterError('UNKNOWN_SERVER', request.server);
  if (outcome === 'alive') throw new ChunkmasterError('SERVER_ALIVE', request.server);
  return { server: request.server };
}

/** Ready to steer replication (GET /readyz): refused while in safe mode. */
export function readiness(master: Master, now: number): Static<typeof ReadyResult> {
  const state = master.replicationState(now);
  if (state.safeMode) throw new ChunkmasterError('IN_SAFE_MODE', Math.ceil(state.safeModeRemainingMs));
  return { status: 'ready' };
}
