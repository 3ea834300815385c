import type { Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ReportPart } from '../core/index.js';
import { type HeartbeatMessage, HeartbeatOk } from '../protocol/schemas.js';
import type { SimServer } from './servers.js';

/** A heartbeat's reply as the wire carries it: empty instruction lists left out. */
export type HeartbeatOkBody = Static<typeof HeartbeatOk>;

/**
 * What one heartbeat says of the server's chunks (CONTRACT 9): a full list
 * (with `report`, one part of one), or changes, or nothing (liveness only).
 */
export interface ChunkReport {
  chunks?: string[];
  report?: ReportPart;
  added?: string[];
  removed?: string[];
}

/** A heartbeat as the simulated servers send it. */
export type HeartbeatBody = HeartbeatMessage;

const replyCheck = TypeCompiler.Compile(HeartbeatOk);

/**
 * A heartbeat as a chunk server puts it on the wire, fields in contract
 * order, numbered by its sender; chunk fields only when it reports them.
 */
export function heartbeatBody(server: SimServer, diskUsagePct: number, content: ChunkReport): HeartbeatMessage {
  const body: HeartbeatMessage = { type: 'heartbeat', msg_id: server.sent++, server: server.id };
  if (content.chunks !== undefined) body.chunks = content.chunks;
  if (content.report !== undefined) body.report = content.report;
  if (content.added !== undefined) body.chunks_added = content.added;
  if (content.removed !== undefined) body.chunks_removed = content.removed;
  body.disk_usage_pct = diskUsagePct;
  body.health = server.health;
  return body;
}

/**
 * A reply as the wire carries it (JSON text: fields left undefined are
 * left out), and read back from that text: the heartbeat_ok answering
 * `msgId`, or undefined for anything else (an error, no reply at all).
 */
export function overTheWire(replied: Record<string, unknown> | undefined, msgId: number): { text: string; reply: HeartbeatOkBody | undefined } {
  const text = JSON.stringify(replied ?? null);
  const reply: unknown = JSON.parse(text);
  return { text, reply: replyCheck.Check(reply) && reply.in_reply_to === msgId ? reply : undefined };
}
