import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ID_MAX_LENGTH } from '../../protocol/schemas.js';
import { type HttpLimits, defaultHttpLimits } from '../../runtime/config.js';
import type { CoreDriver } from '../../runtime/driver.js';
import type { MasterGroup } from '../../runtime/group.js';
import type { Logger } from '../../runtime/logger.js';
import type { TokenStore } from '../../runtime/tokens.js';
import { installAuth, selectProtocol } from './auth.js';
import { consoleRoutes } from './console.js';
import { RequestLimits } from './limits.js';
import { answerExpectationsInJson, gateConnections } from './connections.js';
import { statusFromTable } from './errors.js';
import { groupRoutes } from './group.js';
import { Metrics } from './metrics.js';
import { routes } from './routes.js';
import { installStrictInput } from './strict.js';
import { websocketRoute } from './websocket.js';

export interface AppOptions {
  /** The one driver every transport calls the core through. */
  driver: CoreDriver;
  /** Bearer-token digests; undefined runs the daemon open. */
  tokens?: TokenStore | undefined;
  limits?: Partial<HttpLimits>;
  /** Fastify logs through this pino logger; none when undefined. */
  logger?: Logger | undefined;
  /** Log lines dropped so far by the logger's destination, for /metrics. */
  logDrops?: (() => number) | undefined;
  /** With several masters (--etcd): GET /leader, leadership metrics, and intent through the group's store. */
  group?: MasterGroup | undefined;
}

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Everything the daemon serves, as one plugin, so tests register it on a
 * bare Fastify instance and the CLI on a configured one.
 */
export const chunkmaster = fp<AppOptions>(async (app, options) => {
  const limits = { ...defaultHttpLimits(), ...options.limits };
  const metrics = new Metrics(options.driver, options.logDrops, options.group !== undefined);
  // First, so that every route and hook registered below answers through it.
  app.setErrorHandler(statusFromTable);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'chunkmaster',
        description: 'Control plane of a GFS-style file system: heartbeats, liveness and re-replication.',
        version: VERSION,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  // Before auth: its onRequest hook marks upgrade requests, so that a
  // rejected upgrade's socket is cleaned up after the 401/403 reply.
  await app.register(websocket, { options: { maxPayload: limits.bodyLimitBytes, handleProtocols: selectProtocol } });
  // One set of budgets for HTTP requests and WebSocket frames alike.
  const requestLimits = new RequestLimits(options.driver, limits);
  installAuth(app, options.tokens, requestLimits);
  await app.register(routes, { driver: options.driver, metrics, limits: requestLimits, group: options.group });
  if (options.group) await app.register(groupRoutes, { driver: options.driver, group: options.group });
  await app.register(websocketRoute, { driver: options.driver, metrics, limits: requestLimits, budgets: limits, group: options.group });
  await app.register(consoleRoutes);
}, { name: 'chunkmaster', fastify: '5.x' });

/**
 * Heartbeats arrive every few seconds per server: an info line for each
 * would drown the log, so routine request lines go to debug; errors stay.
 */
class QuietLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply);
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** A configured Fastify instance serving the chunkmaster plugin; not yet listening. */
export function buildApp(options: AppOptions): FastifyInstance {
  const limits = { ...defaultHttpLimits(), ...options.limits };
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: limits.bodyLimitBytes,
    connectionTimeout: limits.connectionTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Server ids and chunk handles reach ID_MAX_LENGTH UTF-16 units; percent-encoded,
    // each takes at most 9 characters (3 UTF-8 bytes), and 16 leaves room.
    routerOptions: { maxParamLength: ID_MAX_LENGTH * 16 },
    // Our routes validate with the protocol's TypeBox compiler (validation.ts);
    // Ajv, left for plugins' schemas, follows the same rules: no coercion, no dropped fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    logController: new QuietLogController(),
    forceCloseConnections: true,
    // requireHost answers a missing Host in JSON; Node's own check sends a bare 400.
    http: { requireHostHeader: false },
  }).withTypeProvider<TypeBoxTypeProvider>();
  installStrictInput(app as unknown as FastifyInstance);
  const connections = gateConnections(app.server, limits.maxConnections);
  answerExpectationsInJson(app.server);
  app.addHook('preClose', (done) => {
    connections.closeRefused();
    done();
  });
  void app.register(chunkmaster, options);
  return app as unknown as FastifyInstance;
}
