import type { FastifyReply } from 'fastify';
import type { HttpLimits } from '../../runtime/config.js';
import type { CoreDriver } from '../../runtime/driver.js';
import { RateLimiter } from '../../runtime/rate-limit.js';
import type { ChunkmasterError } from '../../protocol/errors.js';

/** A heartbeat budget of this many times a server's own interval: retries and split reports fit. */
const HEARTBEAT_HEADROOM = 10;

/**
 * The daemon's rate budgets, shared by HTTP requests and WebSocket frames so
 * that a client pays once whichever way it talks:
 * - heartbeats, per chunk server id: sized so that a server heartbeating at
 *   its interval never comes near it, and a heartbeat over it still counts
 *   as liveness (keepAlive), so the limiter is never why a server dies;
 * - clients, per operator identity (token, or address on an open daemon), and
 *   per address for requests that fail authentication;
 * - addresses: the abuse threshold, checked before anything is read, high
 *   enough for a whole fleet behind one address.
 */
export class RequestLimits {
  readonly heartbeats: RateLimiter;
  readonly clients: RateLimiter;
  readonly addresses: RateLimiter;

  constructor(
    private readonly driver: CoreDriver,
    limits: HttpLimits,
  ) {
    const window = limits.rateLimitWindowMs;
    const atInterval = Math.ceil((HEARTBEAT_HEADROOM * window) / driver.master.config.heartbeatIntervalMs);
    this.heartbeats = new RateLimiter(Math.max(limits.rateLimitMax, atInterval), window, limits.rateLimitClients);
    this.clients = new RateLimiter(limits.rateLimitMax, window, limits.rateLimitClients);
    this.addresses = new RateLimiter(limits.rateLimitAddressMax, window, limits.rateLimitClients);
  }

  /** Ms until `address` may send anything (0: now). */
  address(address: string): number {
    return this.addresses.take(address, this.driver.now());
  }

  /** Ms until `server` may heartbeat (0: now). */
  heartbeat(server: string): number {
    return this.heartbeats.take(server, this.driver.now());
  }

  /** Ms until the client `key` may make a request (0: now). */
  client(key: string): number {
    return this.clients.take(key, this.driver.now());
  }

  /** Ms until the client `key` could, spending nothing. */
  clientWait(key: string): number {
    return this.clients.wait(key, this.driver.now());
  }

  /** A heartbeat refused for its rate still proves the server is up: liveness only, no chunks. */
  keepAlive(server: string): void {
    // No instruction is handed out with it: the refusal carries none, so none is lost.
    this.driver.run((now) => this.driver.master.keepAlive(now, server));
  }
}

/** A 429 from the table (`refusal` of the whole seconds to wait), with Retry-After set to them. */
export function tooManyRequests(reply: FastifyReply, waitMs: number, refusal: (seconds: number) => ChunkmasterError): Error {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  reply.header('retry-after', String(seconds));
  return refusal(seconds);
}
