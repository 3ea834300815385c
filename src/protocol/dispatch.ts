import { TypeCompiler, type ValueError } from '@sinclair/typebox/compiler';
import type { Master, ServerView, UnderReplicated } from '../core/index.js';
import { ProtocolError } from './errors.js';
import type { ChunkLocationsMessage, DrainServerMessage, ForgetServerMessage, HeartbeatMessage, ServerStatusMessage } from './schemas.js';
import { HeartbeatFields } from './schemas.js';
import { decodeRequest, describeExpectation } from './validate.js';

export type Body = Record<string, unknown>;

/**
 * Answers one protocol body against the core, the same way for every
 * transport that speaks the JSON protocol. Returns the reply body without
 * msg_id (the sender numbers its own messages), or undefined for a body
 * that is itself a reply and so never answered.
 */
export function answer(master: Master, now: number, body: Body, src?: string): Body | undefined {
  if ('in_reply_to' in body) return undefined;
  try {
    return route(master, now, body, src);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return errorBody(body, error);
  }
}

/**
 * Runs the answering of one request; a bug it meets (anything but a
 * ProtocolError, which answer() already turns into a reply) is handed to
 * `onBug` and answered with error 13, so one message never stops a transport.
 */
export function guardAnswer(body: Body, answering: () => Body | undefined, onBug: (error: unknown) => void): Body | undefined {
  try {
    return answering();
  } catch (error) {
    onBug(error);
    return errorBody(body, new ProtocolError('CRASH', 'internal error; the message may not have been applied'));
  }
}

export function errorBody(request: Body, error: ProtocolError): Body {
  const msgId = request['msg_id'];
  const inReplyTo = Number.isSafeInteger(msgId) && (msgId as number) >= 0 ? msgId : undefined;
  return { type: 'error', in_reply_to: inReplyTo, code: error.code, text: error.message };
}

function route(master: Master, now: number, body: Body, src: string | undefined): Body {
  const message = decodeRequest(body);
  switch (message.type) {
    case 'init':
      return { type: 'init_ok', in_reply_to: message.msg_id };
    case 'heartbeat':
      return heartbeat(master, now, message, src);
    case 'server_status':
      return serverStatus(master, now, message);
    case 'chunk_locations':
      return chunkLocations(master, now, message);
    case 'check_replication':
      return { type: 'check_replication_ok', in_reply_to: message.msg_id, under_replicated: underReplicated(master, now) };
    case 'drain_server':
      return drainServer(master, now, message);
    case 'forget_server':
      return forgetServer(master, now, message);
  }
}

function heartbeat(master: Master, now: number, message: HeartbeatMessage, src: string | undefined): Body {
  const server = message.server ?? srcAsServer(src);
  const reply = master.heartbeat(now, {
    server,
    chunks: message.chunks,
    diskUsagePct: message.disk_usage_pct,
    health: message.health,
  });
  return {
    type: 'heartbeat_ok',
    in_reply_to: message.msg_id,
    status: reply.status,
    // Empty instruction lists are left out on stdio and WebSocket (CONTRACT 3).
    chunks_to_delete: reply.chunksToDelete.length > 0 ? reply.chunksToDelete : undefined,
    chunks_to_replicate: reply.chunksToReplicate.length > 0 ? reply.chunksToReplicate : undefined,
  };
}

/** The `server` field's own schema: an id taken from the envelope obeys the same limits. */
const serverIdCheck = TypeCompiler.Compile(HeartbeatFields.server);

function srcAsServer(src: string | undefined): string {
  if (src === undefined || src === '') {
    throw new ProtocolError('MALFORMED_REQUEST', 'heartbeat: field "server": required (no envelope src to use)');
  }
  if (!serverIdCheck.Check(src)) {
    const first = serverIdCheck.Errors(src).First() as ValueError;
    throw new ProtocolError('MALFORMED_REQUEST', `heartbeat: envelope "src", the server id when "server" is absent: ${describeExpectation(first)}`);
  }
  return src;
}

function serverStatus(master: Master, now: number, message: ServerStatusMessage): Body {
  const verbose = message.verbose === true;
  const servers = master.serverStatus(now).map((view) => serverEntry(view, verbose));
  return { type: 'server_status_ok', in_reply_to: message.msg_id, servers };
}

/** One server_status entry, fields in contract order. */
export function serverEntry(view: ServerView, verbose: boolean): Body {
  const entry: Body = {
    server: view.server,
    status: view.status,
    chunks: view.chunks,
    last_heartbeat_ms_ago: view.lastHeartbeatMsAgo,
  };
  if (verbose) {
    entry['disk_usage_pct'] = view.diskUsagePct;
    entry['health'] = view.health;
    entry['missed_heartbeats'] = view.missedHeartbeats;
  }
  return entry;
}

function chunkLocations(master: Master, now: number, message: ChunkLocationsMessage): Body {
  const servers = master.chunkLocations(now, message.chunk);
  return { type: 'chunk_locations_ok', in_reply_to: message.msg_id, chunk: message.chunk, servers };
}

export function underReplicated(master: Master, now: number): Body[] {
  return underReplicatedEntries(master.checkReplication(now));
}

/** check_replication entries, fields in contract order. */
export function underReplicatedEntries(entries: readonly UnderReplicated[]): Body[] {
  return entries.map((entry) => ({
    chunk: entry.chunk,
    current_rf: entry.currentRf,
    target_rf: entry.targetRf,
    priority: entry.priority,
  }));
}

function drainServer(master: Master, now: number, message: DrainServerMessage): Body {
  const view = master.drainServer(now, message.server);
  if (view === undefined) {
    throw new ProtocolError('KEY_DOES_NOT_EXIST', `drain_server: unknown server ${JSON.stringify(message.server)}`);
  }
  return { type: 'drain_server_ok', in_reply_to: message.msg_id, server: view.server, status: view.status };
}

function forgetServer(master: Master, now: number, message: ForgetServerMessage): Body {
  const outcome = master.forgetServer(now, message.server);
  if (outcome === 'unknown') {
    throw new ProtocolError('KEY_DOES_NOT_EXIST', `forget_server: unknown server ${JSON.stringify(message.server)}`);
  }
  if (outcome === 'alive') {
    throw new ProtocolError('PRECONDITION_FAILED', `forget_server: server ${JSON.stringify(message.server)} is alive; only a dead server can be forgotten`);
  }
  return { type: 'forget_server_ok', in_reply_to: message.msg_id, server: message.server };
}
