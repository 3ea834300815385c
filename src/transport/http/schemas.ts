import { type TSchema, Type } from '@sinclair/typebox';
import { HealthChecks } from '../../protocol/health-report.js';
import { ReplicationPage } from '../../protocol/replication-page.js';
import {
  ChunkLocationsResult,
  DrainServerResult,
  ForgetServerResult,
  HeartbeatReport,
  HeartbeatResult,
  Id,
  Leadership,
  ReadyResult,
  ServerStatusResult,
  Status,
  VerboseServerEntry,
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

// Responses are the protocol's Result schemas, whole: HTTP sends every field.
// Unknown fields are ignored, as on stdio and WebSocket, so newer servers can talk to older masters.
export const HeartbeatBody = inline(HeartbeatReport);
export const HeartbeatResponse = inline(HeartbeatResult);
/**
 * What a master of a group serializes its heartbeat replies with: role,
 * epoch and leader always there, so the compiled serializer (which writes
 * optional fields last) keeps them right after status. The routes keep
 * HeartbeatResponse for the docs: a single master sends none of the three.
 */
const { status, role: _role, epoch: _epoch, leader: _leader, ...instructions } = HeartbeatResult.properties;
/*
 * Serialization only, never validation or docs: the serializer checks each
 * branch of an anyOf with a validator on every reply (a follower's p50 was
 * 3-14% over a single master's), while a plain string and a type list cost
 * a typeof. The handler only ever hands it a role of the Leadership union.
 */
export const GroupHeartbeatResponse = inline(
  Type.Object({
    status,
    role: Type.String(),
    epoch: Leadership.epoch,
    leader: Type.Unsafe<string | null>({ type: ['string', 'null'] }),
    ...instructions,
  }),
);

export const ServerEntryVerbose = inline(VerboseServerEntry);
export const ServersQuery = Type.Object({ status: Type.Optional(inline(Status)) });
export const ServersResponse = Type.Object(
  { ...ServerStatusResult.properties, servers: Type.Array(ServerEntryVerbose) },
  { description: 'Servers in first-heartbeat order.' },
);
export const ServerDetailResponse = Type.Object(
  {
    ...ServerEntryVerbose.properties,
    instructions: Type.Object({
      copies_out: Type.Integer({ minimum: 0, description: 'Copies it is the source of.' }),
      copies_in: Type.Integer({ minimum: 0, description: 'Copies it is the target of.' }),
      deletes: Type.Integer({ minimum: 0, description: 'Deletes asked of it.' }),
    }, { description: 'Instructions planned and not yet confirmed that it takes part in.' }),
  },
  { description: 'A server, verbose fields included, with its instructions in flight.' },
);
export const ServerParams = Type.Object({ id: Id('The chunk server id.') });

export const ChunkParams = Type.Object({ handle: Id('The chunk handle.') });
export const ChunkResponse = inline(ChunkLocationsResult);

export const ReplicationResponse = inline(ReplicationPage);

export const DrainResponse = inline(DrainServerResult);
export const ForgetResponse = Type.Object(
  { ...ForgetServerResult.properties, forgotten: Type.Literal(true) },
  { description: 'The dead server is forgotten: it leaves /servers and its memory is freed.' },
);

export const HealthResponse = Type.Object({ status: Type.Literal('ok') }, { description: 'The process is up.' });
export const ReadyResponse = inline(ReadyResult);
/** Not the /healthz probe's HealthResponse: the checks an operator reads. */
export const HealthChecksResponse = inline(HealthChecks);

export const LeaderResponse = Type.Object(
  {
    ...Leadership,
    master_id: Type.String({ description: "This master's --master-id." }),
    members: Type.Array(Type.Object({ master_id: Type.String(), url: Type.String() }), { description: 'The masters registered in etcd.' }),
  },
  { description: 'This master in its group (only with --etcd).' },
);
