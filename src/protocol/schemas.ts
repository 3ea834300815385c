import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * Every protocol message, once. Types, validators, schemas/*.json and the
 * OpenAPI document all derive from these definitions.
 */
/** Server ids and chunk handles: 1 to this many UTF-16 code units, on every transport. */
export const ID_MAX_LENGTH = 256;
export const Id = (description: string) => Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH, description });
const MsgId = Type.Integer({ minimum: 0, description: 'Sender-chosen id that the reply echoes as in_reply_to.' });

export const Health = Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('read_only')], {
  $id: 'Health',
  description: 'Self-reported health of a chunk server.',
});
export const Status = Type.Union([Type.Literal('alive'), Type.Literal('dead'), Type.Literal('draining')], {
  $id: 'ServerStatusValue',
});

export const Init = Type.Object(
  {
    type: Type.Literal('init'),
    msg_id: MsgId,
    node_id: Id('This node id.'),
    node_ids: Type.Array(Id('A node id.')),
  },
  { $id: 'Init' },
);

/** Split full reports: at most this many parts (CONTRACT 9). */
export const REPORT_PARTS_MAX = 10_000;
export const REPORT_ID_MAX_LENGTH = 64;

/** One part of a full report split over several heartbeats; `part` < `parts` is checked by the handler. */
export const ReportPart = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: REPORT_ID_MAX_LENGTH, description: 'Names the report: a part of another id discards an unfinished one.' }),
    part: Type.Integer({ minimum: 0, description: 'This part, from 0; less than parts.' }),
    parts: Type.Integer({ minimum: 1, maximum: REPORT_PARTS_MAX, description: 'How many parts the report has.' }),
  },
  { description: 'With chunks: this heartbeat carries one part of a full report; the list is the union of all parts once the last arrives.' },
);

const Handles = (description: string) => Type.Array(Id('A chunk handle.'), { description });

/** Heartbeat fields shared by the JSON protocol and POST /heartbeat. */
export const HeartbeatFields = {
  server: Type.Optional(Id('The chunk server id; the envelope src when absent.')),
  chunks: Type.Optional(Handles('Full chunk list (with report: one part of it); absent means liveness only.')),
  report: Type.Optional(ReportPart),
  chunks_added: Type.Optional(Handles('Incremental report: handles gained since the last accepted heartbeat. Never with chunks.')),
  chunks_removed: Type.Optional(Handles('Incremental report: handles lost since the last accepted heartbeat. Never with chunks.')),
  disk_usage_pct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  health: Type.Optional(Health),
};

export const Heartbeat = Type.Object(
  { type: Type.Literal('heartbeat'), msg_id: MsgId, ...HeartbeatFields },
  { $id: 'Heartbeat' },
);

export const ServerStatusRequest = Type.Object(
  {
    type: Type.Literal('server_status'),
    msg_id: MsgId,
    verbose: Type.Optional(Type.Boolean({ description: 'Add disk_usage_pct, health and missed_heartbeats.' })),
  },
  { $id: 'ServerStatusRequest' },
);

export const ChunkLocations = Type.Object(
  { type: Type.Literal('chunk_locations'), msg_id: MsgId, chunk: Id('The chunk handle.') },
  { $id: 'ChunkLocations' },
);

export const CheckReplication = Type.Object(
  { type: Type.Literal('check_replication'), msg_id: MsgId },
  { $id: 'CheckReplication' },
);

export const DrainServer = Type.Object(
  { type: Type.Literal('drain_server'), msg_id: MsgId, server: Id('The chunk server to drain.') },
  { $id: 'DrainServer' },
);

export const ForgetServer = Type.Object(
  { type: Type.Literal('forget_server'), msg_id: MsgId, server: Id('The dead chunk server to forget.') },
  { $id: 'ForgetServer', description: 'Forget a dead server for good (error 22 for a live one).' },
);

export const Priority = Type.Union([Type.Literal('missing'), Type.Literal('critical'), Type.Literal('normal')], {
  $id: 'Priority',
});

export const UnderReplicatedEntry = Type.Object(
  {
    chunk: Type.String(),
    current_rf: Type.Integer({ minimum: 0 }),
    target_rf: Type.Integer({ minimum: 1 }),
    priority: Priority,
  },
  { $id: 'UnderReplicatedEntry' },
);

export const ReplicateInstruction = Type.Object(
  { chunk: Type.String(), target: Type.String() },
  { $id: 'ReplicateInstruction' },
);

/** A heartbeat once its server is known: the handler's input on every transport (POST /heartbeat's body). */
export const HeartbeatReport = Type.Object({ ...HeartbeatFields, server: Id('The chunk server id.') });

/*
 * What each reply carries, field by field: the handlers in handlers.ts return
 * these, HTTP sends them whole, and the protocol replies below wrap them.
 */
/** With several masters (CONTRACT 10) only: who leads, and in which term. */
export const Leadership = {
  role: Type.Union([Type.Literal('leader'), Type.Literal('follower')], { description: "This master's role." }),
  epoch: Type.Integer({ minimum: 0, description: "The leader's term: obey instructions only from a reply whose epoch is the highest seen from any master." }),
  leader: Type.Union([Type.String(), Type.Null()], { description: "The leader's advertise URL; null while there is none." }),
};
const LeadershipFields = {
  role: Type.Optional(Leadership.role),
  epoch: Type.Optional(Leadership.epoch),
  leader: Type.Optional(Leadership.leader),
};

export const HeartbeatResult = Type.Object(
  {
    status: Status,
    ...LeadershipFields,
    chunks_to_delete: Type.Array(Type.String(), { description: 'Handles this server should delete.' }),
    chunks_to_replicate: Type.Array(ReplicateInstruction, { description: 'Copies this server should make.' }),
    full_report: Type.Boolean({ description: "The master asks for this server's full chunk list." }),
  },
  { description: "The server's status after this heartbeat and its instructions." },
);

export const ServerEntry = Type.Object(
  {
    server: Type.String(),
    status: Status,
    chunks: Type.Integer({ minimum: 0 }),
    last_heartbeat_ms_ago: Type.Integer({ minimum: 0 }),
    disk_usage_pct: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    health: Type.Optional(Health),
    missed_heartbeats: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { $id: 'ServerEntry' },
);
/** A server entry with the verbose fields, as HTTP always sends it. */
export const VerboseServerEntry = Type.Required(ServerEntry, {
  description: 'A server as server_status reports it, verbose fields included.',
});

export const ServerStatusResult = Type.Object({ servers: Type.Array(ServerEntry) });
export const ChunkLocationsResult = Type.Object(
  { chunk: Type.String(), servers: Type.Array(Type.String(), { description: 'Live holders.' }) },
  { description: 'Where the chunk lives.' },
);
export const CheckReplicationResult = Type.Object({ under_replicated: Type.Array(UnderReplicatedEntry) });
export const DrainServerResult = Type.Object({ server: Type.String(), status: Status }, { description: 'The server, now draining.' });
export const ForgetServerResult = Type.Object({ server: Type.String() });
/** GET /readyz: out of safe mode. */
export const ReadyResult = Type.Object({ status: Type.Literal('ready') }, { description: 'Out of safe mode.' });

const Reply = <K extends string, T extends Record<string, TSchema>>(type: K, fields: T) =>
  Type.Object({ type: Type.Literal(type), in_reply_to: MsgId, ...fields, msg_id: Type.Optional(MsgId) }, { $id: type });

export const InitOk = Reply('init_ok', {});
export const HeartbeatOk = Reply('heartbeat_ok', {
  ...HeartbeatResult.properties,
  // Empty instruction lists, and full_report when false, are left out on stdio and WebSocket (CONTRACT 3, 9).
  chunks_to_delete: Type.Optional(HeartbeatResult.properties.chunks_to_delete),
  chunks_to_replicate: Type.Optional(HeartbeatResult.properties.chunks_to_replicate),
  full_report: Type.Optional(HeartbeatResult.properties.full_report),
});
export const ServerStatusOk = Reply('server_status_ok', ServerStatusResult.properties);
export const ChunkLocationsOk = Reply('chunk_locations_ok', ChunkLocationsResult.properties);
export const CheckReplicationOk = Reply('check_replication_ok', CheckReplicationResult.properties);
export const DrainServerOk = Reply('drain_server_ok', DrainServerResult.properties);
export const ForgetServerOk = Reply('forget_server_ok', ForgetServerResult.properties);
export const ErrorReply = Type.Object(
  {
    type: Type.Literal('error'),
    in_reply_to: Type.Optional(MsgId),
    code: Type.Integer(),
    text: Type.String(),
    msg_id: Type.Optional(MsgId),
  },
  { $id: 'error' },
);

/** WebSocket only: from now on, stream the master's events on this connection. */
export const Subscribe = Type.Object(
  { type: Type.Literal('subscribe'), msg_id: Type.Optional(MsgId) },
  { $id: 'Subscribe' },
);
export const SubscribeOk = Type.Object(
  { type: Type.Literal('subscribe_ok'), in_reply_to: Type.Optional(MsgId), msg_id: Type.Optional(MsgId) },
  { $id: 'subscribe_ok' },
);
/** WebSocket only: events a lagging subscriber missed, sent once it has caught up. */
export const EventsDropped = Type.Object(
  {
    type: Type.Literal('events_dropped'),
    count: Type.Integer({ minimum: 1, description: 'Events not sent: the client left more than the event budget unread.' }),
    by_type: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), { description: 'The same count, per event type.' }),
    first_at: Type.Number({ description: "The master's monotonic clock, in ms, at the first dropped event." }),
    last_at: Type.Number({ description: 'The same, at the last one.' }),
    msg_id: Type.Optional(MsgId),
  },
  { $id: 'events_dropped', description: 'Events were dropped while this subscriber lagged: re-read what it needs (server_status, check_replication).' },
);

const At = Type.Number({ description: "The master's monotonic clock, in ms, when it happened." });
const Event = <K extends string, T extends Record<string, TSchema>>(type: K, description: string, fields: T) =>
  Type.Object({ type: Type.Literal(type), ...fields, msg_id: Type.Optional(MsgId) }, { $id: type, description });
const Examples = Type.Array(Type.String(), { maxItems: 10, description: 'A few of the chunk handles concerned.' });
const BrakeFields = { at: At, dead: Type.Integer({ minimum: 0 }), known: Type.Integer({ minimum: 0 }) };

/** Events streamed to WebSocket subscribers, in the order they happen. */
export const EVENTS = [
  Event('server_alive', 'A server heartbeated for the first time, or again after being dead.', {
    server: Type.String(),
    at: At,
    revived: Type.Boolean(),
  }),
  Event('server_dead', 'A server missed its heartbeats; its replicas stop counting.', {
    server: Type.String(),
    at: At,
    lost_replicas: Type.Integer({ minimum: 0 }),
  }),
  Event('safe_mode_exited', 'Safe mode ended: copy and delete instructions may now be sent.', { at: At }),
  Event('brake_engaged', 'Too many servers are dead: re-replication paused.', BrakeFields),
  Event('brake_released', 'Enough servers are back: re-replication resumed.', BrakeFields),
  Event('chunks_missing', 'Chunks lost their last live replica (outside a reap): a count and at most 10 examples.', {
    at: At,
    count: Type.Integer({ minimum: 1 }),
    examples: Examples,
  }),
  Event('server_reaped', "A dead server's stored replicas are all dropped; the chunks it left with no live replica.", {
    server: Type.String(),
    at: At,
    replicas: Type.Integer({ minimum: 0 }),
    chunks_missing: Type.Integer({ minimum: 0 }),
    examples: Examples,
  }),
  Event('server_out', 'A server has been dead longer than dead_out: the mass-failure brake no longer counts it.', {
    server: Type.String(),
    at: At,
  }),
  Event('server_forgotten', 'An operator forgot a dead server; the chunks only it had held are freed.', {
    server: Type.String(),
    at: At,
    chunks_freed: Type.Integer({ minimum: 0 }),
  }),
  Event('leader_elected', 'With several masters: the group has a new term or leader (self: this master leads it).', { at: At, epoch: Leadership.epoch, leader: Leadership.leader, self: Type.Boolean() }),
  Event('leadership_lost', 'With several masters: this master stopped leading (told so, or its lease could not be renewed in time).', { at: At, epoch: Leadership.epoch }),
] as const;

export const Envelope = Type.Object(
  { src: Type.String(), dest: Type.String(), body: Type.Object({}, { additionalProperties: true }) },
  { $id: 'Envelope' },
);

/** Requests by their `type`; a type not listed here gets error 10. */
export const REQUESTS = {
  init: Init,
  heartbeat: Heartbeat,
  server_status: ServerStatusRequest,
  chunk_locations: ChunkLocations,
  check_replication: CheckReplication,
  drain_server: DrainServer,
  forget_server: ForgetServer,
} as const;

export const REPLIES = [
  InitOk,
  HeartbeatOk,
  ServerStatusOk,
  ChunkLocationsOk,
  CheckReplicationOk,
  DrainServerOk,
  ForgetServerOk,
  ErrorReply,
] as const;

export type RequestType = keyof typeof REQUESTS;
export type InitMessage = Static<typeof Init>;
export type HeartbeatMessage = Static<typeof Heartbeat>;
export type ServerStatusMessage = Static<typeof ServerStatusRequest>;
export type ChunkLocationsMessage = Static<typeof ChunkLocations>;
export type DrainServerMessage = Static<typeof DrainServer>;
export type ForgetServerMessage = Static<typeof ForgetServer>;
export type RequestMessage = { [K in RequestType]: Static<(typeof REQUESTS)[K]> }[RequestType];
