import { type TSchema, Type } from '@sinclair/typebox';
import {
  Health,
  HeartbeatFields,
  Id,
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

const ServerId = Id('The chunk server id.');

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

export const ChunkParams = Type.Object({ handle: Id('The chunk handle.') });
export const ChunkResponse = Type.Object(
  { chunk: Type.String(), servers: Type.Array(Type.String(), { description: 'Live holders.' }) },
  { description: 'Where the chunk lives.' },
);

export const REPLICATION_PAGE_DEFAULT = 1000;
export const REPLICATION_PAGE_MAX = 10_000;

export const ReplicationQuery = Type.Object({
  limit: Type.Optional(Type.String({
    pattern: '^(?:[1-9][0-9]{0,3}|10000)$',
    description: `Entries per page: 1 to ${REPLICATION_PAGE_MAX}, default ${REPLICATION_PAGE_DEFAULT}.`,
  })),
  after: Type.Optional(Type.String({
    minLength: 1,
    maxLength: 1400,
    pattern: '^[A-Za-z0-9_-]+$',
    description: 'The `next_after` of the previous page: this page starts after its last entry.',
  })),
});

const PriorityCounts = Type.Object({
  missing: Type.Integer({ minimum: 0 }),
  critical: Type.Integer({ minimum: 0 }),
  normal: Type.Integer({ minimum: 0 }),
}, { description: 'Under-replicated chunks by priority, all pages together.' });

export const ReplicationResponse = Type.Object({
  safe_mode: Type.Boolean(),
  safe_mode_remaining_ms: Type.Integer({ minimum: 0 }),
  brake_engaged: Type.Boolean({ description: 'Re-replication paused: too many servers are dead.' }),
  pending_copies: Type.Integer({ minimum: 0 }),
  pending_deletes: Type.Integer({ minimum: 0 }),
  under_replicated: Type.Array(inline(UnderReplicatedEntry), { description: 'One page, in the order of check_replication.' }),
  totals: PriorityCounts,
  totals_exact: Type.Boolean({
    description: 'False while a sweep is under way or fewer servers than target RF can take copies: totals may then count chunks the list leaves out, or lag behind it.',
  }),
  sweep_replicas: Type.Integer({
    minimum: 0,
    description: "Dead servers' replicas not yet dropped; until 0, chunks that lost them may be missing from the list and totals.",
  }),
  next_after: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page; null on the last one.' }),
}, { description: 'One page of under-replicated chunks, most urgent first, with totals and what holds re-replication back.' });

export const DrainResponse = Type.Object({ server: Type.String(), status: inline(Status) }, { description: 'The server, now draining.' });
export const ForgetResponse = Type.Object(
  { server: Type.String(), forgotten: Type.Literal(true) },
  { description: 'The dead server is forgotten: it leaves /servers and its memory is freed.' },
);

export const HealthResponse = Type.Object({ status: Type.Literal('ok') }, { description: 'The process is up.' });
export const ReadyResponse = Type.Object({ status: Type.Literal('ready') }, { description: 'Out of safe mode.' });
