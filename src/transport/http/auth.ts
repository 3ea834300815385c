import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, TokenStore } from '../../runtime/tokens.js';
import { ChunkmasterError } from '../../protocol/errors.js';
import { type RequestLimits, tooManyRequests } from './limits.js';

/** Who may call a route: anyone, a chunk server (as itself) or an operator. */
export type Access = 'public' | 'server' | 'operator';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    identity: Identity | undefined;
    /** Whose operator budget this request spends: its token's digest, or its address when open. */
    clientKey: string;
  }
}

const OPEN: Identity = { kind: 'operator' };

/**
 * Bearer-token checks and rate limits, run before the body is read. In
 * order: the per-address abuse threshold (429); the token (401 without a
 * known one; past the address's budget of failures, 429); a chunk server's
 * token on an operator route (403); the heartbeat budget of a server token's
 * own server, or an operator's budget (429). With no token store the daemon
 * is open and everyone acts as an operator, limited per address. /healthz
 * (public) is neither checked nor limited. A callback hook: a promise per
 * request shows in heartbeat profiles.
 */
export function installAuth(app: FastifyInstance, tokens: TokenStore | undefined, limits: RequestLimits): void {
  app.decorateRequest('identity', undefined);
  app.decorateRequest('clientKey', '');
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    const access = request.routeOptions.config.access ?? 'operator';
    if (access === 'public') {
      if (tokens === undefined) request.identity = OPEN;
      done();
      return;
    }
    const flooding = limits.address(request.ip);
    if (flooding > 0) {
      done(tooManyRequests(reply, flooding, (seconds) => new ChunkmasterError('ADDRESS_RATE_LIMITED', request.ip, seconds)));
      return;
    }
    done(tokens === undefined ? admitOpen(request, reply, access, limits) : admit(request, reply, access, tokens, limits));
  });
}

function admitOpen(request: FastifyRequest, reply: FastifyReply, access: Access, limits: RequestLimits): Error | undefined {
  request.identity = OPEN;
  request.clientKey = request.ip;
  // Heartbeats are limited per server once the body names it (see limitHeartbeat).
  return access === 'operator' ? limitClient(request, reply, limits) : undefined;
}

function admit(request: FastifyRequest, reply: FastifyReply, access: Access, tokens: TokenStore, limits: RequestLimits): Error | undefined {
  const token = presentedToken(request);
  const identity = token === undefined ? undefined : tokens.identify(token);
  if (token === undefined || identity === undefined) {
    const wait = limits.client(request.ip);
    if (wait > 0) return unauthenticatedTooMany(request, reply, wait);
    reply.header('www-authenticate', 'Bearer');
    return new ChunkmasterError('TOKEN_REQUIRED');
  }
  request.identity = identity;
  if (identity.kind === 'server') {
    if (access !== 'server') return new ChunkmasterError('SERVER_TOKEN_NOT_OPERATOR', identity.server);
    return refuseHeartbeat(reply, identity.server, limits);
  }
  if (access !== 'operator') return undefined;
  // An address that spent its budget of failed tokens cannot use an operator
  // token either until it refills, so guessing one is limited too. Server
  // tokens still heartbeat: a neighbour's bad tokens never kill a server.
  const guessing = limits.clientWait(request.ip);
  if (guessing > 0) return unauthenticatedTooMany(request, reply, guessing);
  request.clientKey = `token:${createHash('sha256').update(token).digest('base64url')}`;
  return limitClient(request, reply, limits);
}

function limitClient(request: FastifyRequest, reply: FastifyReply, limits: RequestLimits): Error | undefined {
  const wait = limits.client(request.clientKey);
  return wait > 0 ? tooManyRequests(reply, wait, (seconds) => new ChunkmasterError('CLIENT_RATE_LIMITED', seconds)) : undefined;
}

function unauthenticatedTooMany(request: FastifyRequest, reply: FastifyReply, waitMs: number): Error {
  return tooManyRequests(reply, waitMs, (seconds) => new ChunkmasterError('UNAUTHENTICATED_RATE_LIMITED', request.ip, seconds));
}

/**
 * The heartbeat budget of a server named in the body (open daemon, operator
 * token); a server token's own server was limited before the body was read.
 */
export function limitHeartbeat(request: FastifyRequest, reply: FastifyReply, server: string, limits: RequestLimits): Error | undefined {
  return request.identity?.kind === 'server' ? undefined : refuseHeartbeat(reply, server, limits);
}

/** Over its budget, a heartbeat still counts as liveness, then gets 429. */
function refuseHeartbeat(reply: FastifyReply, server: string, limits: RequestLimits): Error | undefined {
  const wait = limits.heartbeat(server);
  if (wait === 0) return undefined;
  limits.keepAlive(server);
  return tooManyRequests(reply, wait, (seconds) => new ChunkmasterError('HEARTBEAT_RATE_LIMITED', server, seconds));
}

/** A chunk server's token heartbeats only as that server. */
export function checkHeartbeatAs(request: FastifyRequest, server: string): void {
  const identity = request.identity;
  if (identity?.kind === 'server' && identity.server !== server) {
    throw new ChunkmasterError('TOKEN_OF_OTHER_SERVER', identity.server);
  }
}

/** The WebSocket subprotocol a browser offers alongside its token (CONTRACT 8); the daemon selects it. */
export const WS_PROTOCOL = 'chunkmaster';
const WS_TOKEN_PREFIX = `${WS_PROTOCOL}.bearer.`;

/**
 * The bearer token of the Authorization header; on a WebSocket upgrade
 * without one, the `chunkmaster.bearer.TOKEN` subprotocol, since a browser's
 * WebSocket cannot set headers and a token in the URL would end up in logs.
 */
function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined || request.headers.upgrade?.toLowerCase() !== 'websocket') return bearerToken(header);
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((protocol) => protocol.trim());
  const token = offered.find((protocol) => protocol.startsWith(WS_TOKEN_PREFIX))?.slice(WS_TOKEN_PREFIX.length);
  return token === '' ? undefined : token;
}

function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
}

/** ws's choice among the offered subprotocols: ours, never the one carrying the token. */
export function selectProtocol(offered: ReadonlySet<string>): string | false {
  return offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false;
}
