import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, TokenStore } from '../../runtime/tokens.js';
import { httpError } from './errors.js';

/** Who may call a route: anyone, a chunk server (as itself) or an operator. */
export type Access = 'public' | 'server' | 'operator';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    identity: Identity | undefined;
  }
}

const OPEN: Identity = { kind: 'operator' };

/**
 * Bearer-token checks, run before the body is read: 401 without a known
 * token, 403 when a chunk server's token asks for an operator route. With
 * no token store the daemon is open and everyone acts as an operator.
 */
export function installAuth(app: FastifyInstance, tokens: TokenStore | undefined): void {
  app.decorateRequest('identity', undefined);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config.access ?? 'operator';
    if (tokens === undefined) {
      request.identity = OPEN;
      return;
    }
    if (access === 'public') return;
    const identity = identify(tokens, request.headers.authorization);
    if (identity === undefined) {
      reply.header('www-authenticate', 'Bearer');
      throw httpError(401, 'a valid bearer token is required');
    }
    request.identity = identity;
    if (identity.kind === 'server' && access !== 'server') {
      throw httpError(403, `a chunk server token (server ${JSON.stringify(identity.server)}) may only send heartbeats`);
    }
  });
}

/** A chunk server's token heartbeats only as that server. */
export function checkHeartbeatAs(request: FastifyRequest, server: string): void {
  const identity = request.identity;
  if (identity?.kind === 'server' && identity.server !== server) {
    throw httpError(403, `this token may heartbeat only as server ${JSON.stringify(identity.server)}`);
  }
}

function identify(tokens: TokenStore, header: string | undefined): Identity | undefined {
  const match = /^Bearer (\S+)$/i.exec(header ?? '');
  return match?.[1] === undefined ? undefined : tokens.identify(match[1]);
}
