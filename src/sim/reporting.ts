import type { CoreConfig } from '../core/index.js';
import { splitList } from '../protocol/report-parts.js';
import type { Agenda } from './agenda.js';
import type { Rng } from './prng.js';
import type { Outgoing, SimServer } from './servers.js';
import type { ChunkReport, HeartbeatOkBody } from './wire.js';

/** How a run's servers report their chunks: all the seed's way, all incrementally, or each one way or the other. */
export type ReportMode = 'full' | 'incremental' | 'mixed';
export const REPORT_MODES: readonly ReportMode[] = ['full', 'incremental', 'mixed'];
/** Small enough that most simulated servers split their full reports. */
export const DEFAULT_PART_SIZE = 25;

/** What became of one heartbeat: whether the master took it in, and the reply the server got, if one came back. */
export interface Delivery {
  received: boolean;
  reply: HeartbeatOkBody | undefined;
}

/** What a reporting server needs of the simulation. */
export interface ReportHost {
  readonly now: number;
  readonly rng: Rng;
  readonly agenda: Agenda;
  readonly config: CoreConfig;
  /** Handles per part: a longer full list is split. */
  readonly partSize: number;
  /** Bumped on every master restart. */
  readonly masterEpoch: number;
  send(server: SimServer, content: ChunkReport): Delivery;
  /** Carries out a reply's instructions. */
  obey(server: SimServer, reply: HeartbeatOkBody): void;
  /** The master completed a full report from the server; handles in `unknown` changed since and are not reported yet. */
  reported(server: SimServer, unknown: ReadonlySet<string>): void;
  /** An incremental heartbeat of the server was answered. */
  updated(server: SimServer): void;
  count(what: ReportCount): void;
}

export type ReportCount = 'incremental' | 'split' | 'reordered' | 'dropped';

/** Seed-form servers send their full list on this share of heartbeats (and whenever asked). */
const FULL_REPORT_CHANCE = 0.6;
/** A split report's parts go out back to back, a short gap apart; a part without an answer is sent again later. */
const PART_GAP_MS: [number, number] = [20, 400];
const RETRY_MS: [number, number] = [500, 2000];
/** A server asked for its full list begins it this soon. */
const BEGIN_MS: [number, number] = [10, 300];

/** One regular heartbeat, in the server's way of reporting. */
export function beat(host: ReportHost, server: SimServer): void {
  if (server.mode === 'full') seedFormBeat(host, server);
  else incrementalBeat(host, server);
}

/** A server process starts afresh: it knows nothing of what the master has, so it begins with a full report, asked or not. */
export function restarted(server: SimServer): void {
  if (server.mode === 'full') return;
  server.touched.clear();
  server.outgoing = undefined;
  server.wantsReport = true;
}

/**
 * Like GFS chunk servers, the seed's form: a full chunk list rides on only
 * some heartbeats (the contract makes it optional) and on those after the
 * master asked for one; the others are liveness only.
 */
function seedFormBeat(host: ReportHost, server: SimServer): void {
  const full = host.rng.chance(FULL_REPORT_CHANCE) || server.wantsReport;
  const delivery = host.send(server, full ? { chunks: [...server.disk] } : {});
  if (full && delivery.received) {
    taken(server);
    server.touched.clear();
    host.reported(server, server.touched);
  }
  if (delivery.reply === undefined) return;
  server.wantsReport = delivery.reply.full_report === true;
  host.obey(server, delivery.reply);
}

/**
 * Changes since the last answered heartbeat, a full list when the master
 * asks (CONTRACT 9). While a split report is on its way, changes wait until
 * a part is answered: sent before the master has the report under way, they
 * would be applied to the old list only, and lost when the report replaces it.
 */
function incrementalBeat(host: ReportHost, server: SimServer): void {
  const outgoing = server.outgoing;
  if (outgoing === undefined && server.wantsReport) return beginFullReport(host, server);
  const content = outgoing === undefined || outgoing.started ? changesOf(server) : {};
  if (content.added !== undefined || content.removed !== undefined) host.count('incremental');
  const delivery = host.send(server, content);
  if (delivery.reply === undefined) return;
  // Answered: the master has these handles as they are now. Unanswered, they go again with the next heartbeat.
  for (const chunk of content.added ?? []) server.touched.delete(chunk);
  for (const chunk of content.removed ?? []) server.touched.delete(chunk);
  host.updated(server);
  heed(host, server, delivery.reply);
}

/** Each handle changed since the last answered heartbeat, as the disk has it now: resent whole until answered, so applying it twice is harmless. */
function changesOf(server: SimServer): ChunkReport {
  const added: string[] = [];
  const removed: string[] = [];
  for (const chunk of server.touched) (server.disk.has(chunk) ? added : removed).push(chunk);
  const content: ChunkReport = {};
  if (added.length > 0) content.added = added;
  if (removed.length > 0) content.removed = removed;
  return content;
}

/** A reply's ask for a full report is noted (and begun soon unless one is on its way); its instructions are carried out. */
function heed(host: ReportHost, server: SimServer, reply: HeartbeatOkBody): void {
  if (reply.full_report === true) server.wantsReport = true;
  if (server.wantsReport && server.outgoing === undefined) {
    const incarnation = server.incarnation;
    host.agenda.after(host.rng.int(...BEGIN_MS), () => {
      if (current(server, incarnation) && server.wantsReport && server.outgoing === undefined) beginFullReport(host, server);
    });
  }
  host.obey(server, reply);
}

function current(server: SimServer, incarnation: number): boolean {
  return server.up && server.incarnation === incarnation;
}

/**
 * A heartbeat that waited at a stopped master was read at last: a whole
 * list, or the last part of the report under way, ends the lease as it
 * would have. Nothing else of the server's reporting changes: it took the
 * heartbeat for lost, and sends what it carried again.
 */
export function readLate(server: SimServer, content: ChunkReport): void {
  if (content.chunks === undefined) return;
  const outgoing = server.outgoing;
  if (content.report === undefined) taken(server);
  else if (outgoing?.id === content.report.id && outgoing.received.add(content.report.part).size === outgoing.parts.length) taken(server);
}

/** The master has a whole full report from the server: its lease, if it had one, is over. */
function taken(server: SimServer): void {
  if (server.asked !== undefined) server.asked.done = true;
}

/** The disk as it is now, in one heartbeat or, past the part size, in parts. Changes noted so far stay owed: sent again later, they are harmless. */
function beginFullReport(host: ReportHost, server: SimServer): void {
  server.wantsReport = false;
  const list = [...server.disk];
  if (list.length <= host.partSize) {
    const delivery = server.partitioned ? { received: false, reply: undefined } : host.send(server, { chunks: list });
    if (delivery.received) {
      taken(server);
      host.reported(server, new Set());
    }
    if (delivery.reply === undefined) {
      server.wantsReport = true;
      return;
    }
    server.touched.clear();
    return heed(host, server, delivery.reply);
  }
  const parts = splitList(list, host.partSize);
  const order = parts.map((_, part) => part);
  const reordered = server.link === 'reordering';
  host.count('split');
  if (reordered) host.count('reordered');
  const outgoing: Outgoing = {
    id: `${server.id}.${server.incarnation}.${server.reportsBegun++}`,
    parts,
    unanswered: reordered ? host.rng.sample(order, order.length) : order,
    firstSentAt: undefined,
    received: new Set(),
    reordered,
    started: false,
    masterEpoch: host.masterEpoch,
    deaths: server.deaths,
  };
  server.outgoing = outgoing;
  sendPart(host, server, outgoing, server.incarnation);
}

/** One part; an unanswered one goes to the back of the line (the parts go out of order) and the next is tried a little later. */
function sendPart(host: ReportHost, server: SimServer, outgoing: Outgoing, incarnation: number): void {
  if (!current(server, incarnation) || server.outgoing !== outgoing) return;
  const part = outgoing.unanswered[0] as number;
  outgoing.firstSentAt ??= host.now;
  const report = { id: outgoing.id, part, parts: outgoing.parts.length };
  const delivery = server.partitioned ? undefined : host.send(server, { chunks: outgoing.parts[part] as string[], report });
  if (delivery?.received === true && outgoing.received.add(part).size === outgoing.parts.length) taken(server);
  const reply = delivery?.reply;
  outgoing.unanswered.shift();
  if (reply === undefined) {
    if (outgoing.unanswered.length > 0 && !outgoing.reordered) {
      outgoing.reordered = true;
      host.count('reordered');
    }
    outgoing.unanswered.push(part);
    host.agenda.after(host.rng.int(...RETRY_MS), () => sendPart(host, server, outgoing, incarnation));
    return;
  }
  outgoing.started = true;
  if (outgoing.unanswered.length > 0) host.agenda.after(host.rng.int(...PART_GAP_MS), () => sendPart(host, server, outgoing, incarnation));
  else finish(host, server, outgoing);
  heed(host, server, reply);
}

/**
 * Every part answered. The master completed the report unless it dropped it
 * meanwhile: it restarted, marked the server dead, or the report outlived
 * pending_timeout (counted from the master's first part, which came no
 * earlier than the first one sent). A dropped report is asked for again.
 */
function finish(host: ReportHost, server: SimServer, outgoing: Outgoing): void {
  server.outgoing = undefined;
  const inTime = host.now < (outgoing.firstSentAt as number) + host.config.pendingTimeoutMs;
  if (inTime && outgoing.masterEpoch === host.masterEpoch && outgoing.deaths === server.deaths) host.reported(server, server.touched);
  else host.count('dropped');
}
