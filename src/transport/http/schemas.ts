import { type TSchema, Type } from '@sinclair/typebox';
import {
  Health,
  HeartbeatFields,
  ReplicateInstruction,
  ServerEntry,
  Status,
  UnderReplicatedEntry,
} from '../../protocol/schemas.js';

/**
 * Route schemas, built from the protocol definitions. Nested `$id`s are
 * dropped: Ajv and the OpenAPI document both want each id defined once, and
 * the same protocol pieces appear in several routes.
 */
export function inline<T extends TSchema>(schema: T): T {
  const copy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(copy);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string | symbol, unknown> = {};
    for (const key of Reflect.ownKeys(value)) {
      if (key !== '$id') out[key] = copy((value as Record<string | symbol, unknown>)[key]);
    }
    return out;
  };
  return copy(schema) as T;
}

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.Optional(Type.String()),
    error: Type.String(),
    message: Type.String(),
  },
  { description: "Fastify's error shape." },
);

const ServerId = Type.String({ minLength: 1, maxLength: 256, description: 'The chunk server id.' });

// Unknown fields are ignored, as on stdio and WebSocket, so newer servers can talk to older masters.
export const HeartbeatBody = inline(Type.Object({ ...HeartbeatFields, server: ServerId }));

export const HeartbeatResponse = inline(
  Type.Object({
    status: Status,
    chunks_to_delete: Type.Array(Type.String(), { description: 'Handles this server should delete.' }),
    chunks_to_replicate: Type.Array(ReplicateInstruction, { description: 'Copies this server should make.' }),
  }, { description: "The server's status after this heartbeat and its instructions." }),
);

export const ServerEntryVerbose = inline(
  Type.Object({
    ...ServerEntry.properties,
    disk_usage_pct: Type.Union([Type.Number(), Type.Null()]),
    health: Health,
    missed_heartbeats: Type.Integer({ minimum: 0 }),
  }, { description: 'A server as server_status reports it, verbose fields included.' }),
);

export const ServersQuery = Type.Object({ status: Type.Optional(inline(Status)) });
export const ServersResponse = Type.Object({ servers: Type.Array(ServerEntryVerbose) }, { description: 'Servers in first-heartbeat order.' });
export const ServerParams = Type.Object({ id: ServerId });

export const ChunkParams = Type.Object({ handle: Type.String({ minLength: 1, maxLength: 256, description: 'The chunk handle.' }) });
export const ChunkResponse = Type.Object(
  { chunk: Type.String(), servers: Type.Array(Type.String(), { description: 'Live holders.' }) },
  { description: 'Where the chunk lives.' },
);

export const ReplicationResponse = Type.Object({
  safe_mode: Type.Boolean(),
  safe_mode_remaining_ms: Type.Integer({ minimum: 0 }),
  brake_engaged: Type.Boolean({ description: 'Re-replication paused: too many servers are dead.' }),
  pending_copies: Type.Integer({ minimum: 0 }),
  under_replicated: Type.Array(inline(UnderReplicatedEntry)),
}, { description: 'Under-replicated chunks, most urgent first, and what holds re-replication back.' });

export const DrainResponse = Type.Object({ server: Type.String(), status: inline(Status) }, { description: 'The server, now draining.' });

export const HealthResponse = Type.Object({ status: Type.Literal('ok') }, { description: 'The process is up.' });
export const ReadyResponse = Type.Object({ status: Type.Literal('ready') }, { description: 'Out of safe mode.' });
