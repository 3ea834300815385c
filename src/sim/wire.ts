import type { Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type HeartbeatMessage, HeartbeatOk } from '../protocol/schemas.js';
import type { SimServer } from './servers.js';

/** A heartbeat's reply as the wire carries it: empty instruction lists left out. */
export type HeartbeatOkBody = Static<typeof HeartbeatOk>;

const replyCheck = TypeCompiler.Compile(HeartbeatOk);

/**
 * A heartbeat as a chunk server puts it on the wire, fields in contract
 * order, numbered by its sender; the chunk list only when it reports one.
 */
export function heartbeatBody(server: SimServer, diskUsagePct: number, chunks: string[] | undefined): HeartbeatMessage {
  const body: HeartbeatMessage = { type: 'heartbeat', msg_id: server.sent++, server: server.id };
  if (chunks !== undefined) body.chunks = chunks;
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
