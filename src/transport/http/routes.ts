import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ServerView, groupCount, replicationSummary, underReplicatedPage } from '../../core/index.js';
import { serverEntry, underReplicatedEntries } from '../../protocol/dispatch.js';
import type { UnderReplicatedEntry } from '../../protocol/schemas.js';
import type { CoreDriver } from '../../runtime/driver.js';
import { checkHeartbeatAs, limitHeartbeat } from './auth.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { httpError } from './errors.js';
import type { RequestLimits } from './limits.js';
import type { Metrics } from './metrics.js';
import {
  ChunkParams,
  ChunkResponse,
  DrainResponse,
  ErrorResponse,
  ForgetResponse,
  HealthResponse,
  HeartbeatBody,
  HeartbeatResponse,
  REPLICATION_PAGE_DEFAULT,
  ReadyResponse,
  ReplicationQuery,
  ReplicationResponse,
  ServerEntryVerbose,
  ServerParams,
  ServersQuery,
  ServersResponse,
} from './schemas.js';
import { protocolValidatorCompiler } from './validation.js';

export interface RouteOptions {
  driver: CoreDriver;
  metrics: Metrics;
  limits: RequestLimits;
}

const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [code, ErrorResponse]));
const AUTH = [401, 403, 429];

/** The REST routes (CONTRACT section 8): decode, call the core, encode. */
export const routes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { driver, metrics, limits }) => {
  const master = driver.master;
  app.setValidatorCompiler(protocolValidatorCompiler);

  app.post('/heartbeat', {
    config: { access: 'server' },
    schema: {
      summary: 'Report liveness, chunks, disk use and health; get instructions back',
      tags: ['chunk servers'],
      body: HeartbeatBody,
      response: { 200: HeartbeatResponse, ...errors(400, 413, ...AUTH) },
    },
    // Callback hooks, not async ones: a promise per hook per heartbeat shows in profiles.
    preHandler: (request, reply, done) => {
      try {
        checkHeartbeatAs(request, request.body.server);
      } catch (error) {
        done(error as Error);
        return;
      }
      done(limitHeartbeat(request, reply, request.body.server, limits));
    },
    onResponse: (_request, reply, done) => {
      metrics.countHeartbeat(reply.statusCode === 200);
      done();
    },
  }, async (request) => {
    const { server, chunks, disk_usage_pct, health } = request.body;
    const reply = metrics.timeHeartbeat(() =>
      driver.run((now) => master.heartbeat(now, { server, chunks, diskUsagePct: disk_usage_pct, health })),
    );
    request.log.debug({ server, chunks: chunks?.length, status: reply.status }, 'heartbeat');
    return { status: reply.status, chunks_to_delete: reply.chunksToDelete, chunks_to_replicate: reply.chunksToReplicate };
  });

  app.get('/servers', {
    schema: {
      summary: 'Every server ever registered, in first-heartbeat order',
      tags: ['operators'],
      querystring: ServersQuery,
      response: { 200: ServersResponse, ...errors(400, ...AUTH) },
    },
  }, async (request) => {
    const views = driver.run((now) => master.serverStatus(now, request.query.status));
    return { servers: views.map(verboseEntry) };
  });

  app.get('/servers/:id', {
    schema: {
      summary: 'One server',
      tags: ['operators'],
      params: ServerParams,
      response: { 200: ServerEntryVerbose, ...errors(400, 404, ...AUTH) },
    },
  }, async (request) => {
    const view = driver.run((now) => master.server(now, request.params.id));
    if (view === undefined) throw httpError(404, `unknown server ${JSON.stringify(request.params.id)}`);
    return verboseEntry(view);
  });

  app.post('/servers/:id/drain', {
    schema: {
      summary: 'Drain a server: its chunks are copied elsewhere and it takes no new copies',
      tags: ['operators'],
      params: ServerParams,
      response: { 200: DrainResponse, ...errors(400, 404, ...AUTH) },
    },
  }, async (request) => {
    const view = driver.run((now) => master.drainServer(now, request.params.id));
    if (view === undefined) throw httpError(404, `unknown server ${JSON.stringify(request.params.id)}`);
    request.log.info({ server: view.server }, 'server draining');
    return { server: view.server, status: view.status };
  });

  app.delete('/servers/:id', {
    schema: {
      summary: 'Forget a dead server: it leaves /servers, and its replicas, id and lost chunks are freed',
      tags: ['operators'],
      params: ServerParams,
      response: { 200: ForgetResponse, ...errors(400, 404, 409, ...AUTH) },
    },
  }, async (request) => {
    const { id } = request.params;
    const outcome = driver.run((now) => master.forgetServer(now, id));
    if (outcome === 'unknown') throw httpError(404, `unknown server ${JSON.stringify(id)}`);
    if (outcome === 'alive') throw httpError(409, `server ${JSON.stringify(id)} is alive; only a dead server can be forgotten`);
    request.log.info({ server: id }, 'server forgotten');
    return { server: id, forgotten: true as const };
  });

  app.get('/chunks/:handle', {
    schema: {
      summary: 'Live holders of a chunk ([] for an unknown chunk)',
      tags: ['operators'],
      params: ChunkParams,
      response: { 200: ChunkResponse, ...errors(400, ...AUTH) },
    },
  }, async (request) => {
    const servers = driver.run((now) => master.chunkLocations(now, request.params.handle));
    return { chunk: request.params.handle, servers };
  });

  app.get('/replication', {
    schema: {
      summary: 'Under-replicated chunks, most urgent first, a page at a time, with totals and safe-mode and brake state',
      tags: ['operators'],
      querystring: ReplicationQuery,
      response: { 200: ReplicationResponse, ...errors(400, ...AUTH) },
    },
  }, async (request) => {
    // Cheap reads only: a page never finishes sweep work (check_replication on stdio does, for its exact list).
    const limit = request.query.limit === undefined ? REPLICATION_PAGE_DEFAULT : Number(request.query.limit);
    const after = request.query.after === undefined ? undefined : decodeCursor(request.query.after, groupCount(master.config.replicationFactor));
    if (request.query.after !== undefined && after === undefined) throw httpError(400, 'querystring/after is not a cursor this master gave');
    const { summary, page } = driver.run((now) => ({ summary: replicationSummary(master, now), page: underReplicatedPage(master, now, limit, after) }));
    return {
      safe_mode: summary.safeMode,
      safe_mode_remaining_ms: Math.ceil(summary.safeModeRemainingMs),
      brake_engaged: summary.brakeEngaged,
      pending_copies: summary.pendingCopies,
      pending_deletes: summary.pendingDeletes,
      under_replicated: underReplicatedEntries(page.entries) as Static<typeof UnderReplicatedEntry>[],
      totals: summary.underReplicated,
      totals_exact: summary.exact,
      sweep_replicas: summary.replicasToSweep,
      next_after: page.next === undefined ? null : encodeCursor(page.next),
    };
  });

  app.get('/healthz', {
    config: { access: 'public' },
    schema: {
      summary: 'The process is up',
      tags: ['probes'],
      security: [],
      // Never rate limited: a probe must not fail because a fleet is busy.
      response: { 200: HealthResponse },
    },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    schema: {
      summary: 'Ready to steer replication: 503 while in safe mode',
      tags: ['probes'],
      response: { 200: ReadyResponse, ...errors(503, ...AUTH) },
    },
  }, async () => {
    const state = driver.run((now) => master.replicationState(now));
    if (state.safeMode) throw httpError(503, `in safe mode for ${Math.ceil(state.safeModeRemainingMs)} ms more`);
    return { status: 'ready' as const };
  });

  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics',
      tags: ['probes'],
      produces: ['text/plain'],
      response: { 200: Type.String({ description: 'Prometheus text exposition format.' }), ...errors(...AUTH) },
    },
  }, async (_request, reply) => {
    const text = await metrics.text();
    return reply.type(metrics.contentType).send(text);
  });
};

function verboseEntry(view: ServerView) {
  return serverEntry(view, true) as {
    server: string;
    status: ServerView['status'];
    chunks: number;
    last_heartbeat_ms_ago: number;
    disk_usage_pct: number | null;
    health: ServerView['health'];
    missed_heartbeats: number;
  };
}
