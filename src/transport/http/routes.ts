import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifySerializerCompiler } from 'fastify';
import * as handlers from '../../protocol/handlers.js';
import { healthChecks } from '../../protocol/health-report.js';
import { ReplicationQuery, replicationPage } from '../../protocol/replication-page.js';
import type { CoreDriver } from '../../runtime/driver.js';
import type { MasterGroup } from '../../runtime/group.js';
import { checkHeartbeatAs, limitHeartbeat } from './auth.js';
import type { RequestLimits } from './limits.js';
import { recordIntent } from './group.js';
import type { Metrics } from './metrics.js';
import {
  ChunkParams,
  ChunkResponse,
  DrainResponse,
  ErrorResponse,
  ForgetResponse,
  GroupHeartbeatResponse,
  HealthResponse,
  HealthChecksResponse,
  HeartbeatBody,
  HeartbeatResponse,
  ReadyResponse,
  ReplicationResponse,
  ServerDetailResponse,
  ServerParams,
  ServersQuery,
  ServersResponse,
} from './schemas.js';
import { protocolValidatorCompiler } from './validation.js';

export interface RouteOptions {
  driver: CoreDriver;
  metrics: Metrics;
  limits: RequestLimits;
  /** With several masters: drains and forgets go through the group's store. */
  group?: MasterGroup | undefined;
}

/** Fastify's own serializer compiler (the app passes it no options and no shared schemas). */
const compileSerializer = SerializerSelector()();
/**
 * A group master's heartbeat replies are written from GroupHeartbeatResponse
 * (role, epoch and leader right after status), compiled once with the route;
 * the route's schema stays HeartbeatResponse for the docs. Choosing the
 * serializer per reply instead costs a closure and a schema lookup on every
 * heartbeat, on the path where a follower must keep up with a single master.
 */
const groupHeartbeatSerializer: FastifySerializerCompiler<unknown> = ({ method, url, httpStatus = '', schema }) =>
  compileSerializer({ method, url, httpStatus, schema: httpStatus === '200' ? GroupHeartbeatResponse : schema });

const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [code, ErrorResponse]));
const AUTH = [401, 403, 429];

/** The REST routes (CONTRACT section 8): decode, call the core, encode. */
export const routes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { driver, metrics, limits, group }) => {
  const master = driver.master;
  app.setValidatorCompiler(protocolValidatorCompiler);

  // Heartbeats that reached their handler, counted there; any other that gets an error is counted as rejected.
  const handled = new WeakSet<object>();
  app.post('/heartbeat', {
    config: { access: 'server' },
    ...(group === undefined ? {} : { serializerCompiler: groupHeartbeatSerializer }),
    schema: {
      summary: 'Report liveness, chunks (a full list, a part of one, or what changed), disk use and health; get instructions back',
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
    onError: (request, _reply, _error, done) => {
      if (!handled.has(request)) metrics.countHeartbeat(false);
      done();
    },
  }, async (request) => {
    handled.add(request);
    const result = metrics.heartbeat(() => driver.run((now) => handlers.heartbeat(master, now, request.body)));
    const { server, chunks, chunks_added: added, chunks_removed: removed } = request.body;
    request.log.debug({ server, chunks: chunks?.length, added: added?.length, removed: removed?.length, status: result.status }, 'heartbeat');
    return result;
  });

  app.get('/servers', {
    schema: {
      summary: 'Every server ever registered, in first-heartbeat order',
      tags: ['operators'],
      querystring: ServersQuery,
      response: { 200: ServersResponse, ...errors(400, ...AUTH) },
    },
  }, async (request) => driver.run((now) => handlers.serverStatus(master, now, { verbose: true, status: request.query.status })));

  app.get('/servers/:id', {
    schema: {
      summary: 'One server, with the copies and deletes it takes part in',
      tags: ['operators'],
      params: ServerParams,
      response: { 200: ServerDetailResponse, ...errors(400, 404, ...AUTH) },
    },
  }, async (request) => driver.run((now) => handlers.serverDetail(master, now, { server: request.params.id })));

  app.post('/servers/:id/drain', {
    schema: {
      summary: 'Drain a server: its chunks are copied elsewhere and it takes no new copies',
      tags: ['operators'],
      params: ServerParams,
      response: { 200: DrainResponse, ...errors(400, 404, 503, ...AUTH) },
    },
  }, async (request) => {
    await recordIntent(driver, group, 'drain', request.params.id);
    const result = driver.run((now) => handlers.drainServer(master, now, { server: request.params.id }));
    request.log.info({ server: result.server }, 'server draining');
    return result;
  });

  app.delete('/servers/:id', {
    schema: {
      summary: 'Forget a dead server: it leaves /servers, and its replicas, id and lost chunks are freed',
      tags: ['operators'],
      params: ServerParams,
      response: { 200: ForgetResponse, ...errors(400, 404, 409, 503, ...AUTH) },
    },
  }, async (request) => {
    await recordIntent(driver, group, 'forget', request.params.id);
    const result = driver.run((now) => handlers.forgetServer(master, now, { server: request.params.id }));
    request.log.info({ server: result.server }, 'server forgotten');
    return { ...result, forgotten: true as const };
  });

  app.get('/chunks/:handle', {
    schema: {
      summary: 'Live holders of a chunk ([] for an unknown chunk)',
      tags: ['operators'],
      params: ChunkParams,
      response: { 200: ChunkResponse, ...errors(400, ...AUTH) },
    },
  }, async (request) => driver.run((now) => handlers.chunkLocations(master, now, { chunk: request.params.handle })));

  app.get('/replication', {
    schema: {
      summary: 'Under-replicated chunks, most urgent first, a page at a time, with totals and safe-mode and brake state',
      tags: ['operators'],
      querystring: ReplicationQuery,
      response: { 200: ReplicationResponse, ...errors(400, ...AUTH) },
    },
  }, async (request) => driver.run((now) => replicationPage(master, now, request.query)));

  app.get('/health', {
    schema: {
      summary: "The master's health checks, errors first: dead servers, missing and under-replicated chunks, the brake, safe mode, full disks, drains, no leader",
      tags: ['operators'],
      response: { 200: HealthChecksResponse, ...errors(...AUTH) },
    },
  }, async () => driver.run((now) => healthChecks(master, now)));

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
  }, async () => driver.run((now) => handlers.readiness(master, now)));

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
