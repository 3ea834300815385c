import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type WebSocket from 'ws';
import type { HttpLimits } from '../../runtime/config.js';
import type { Body } from '../../protocol/dispatch.js';
import type { CoreDriver } from '../../runtime/driver.js';
import type { MasterGroup } from '../../runtime/group.js';
import { ChunkmasterError, errorJson } from '../../protocol/errors.js';
import { type FrameLimits, WsSession } from '../ws-session.js';
import { recordIntent } from './group.js';
import type { RequestLimits } from './limits.js';
import type { Metrics } from './metrics.js';
import { ErrorResponse } from './schemas.js';

/** How long a closing client may take to answer the close frame at shutdown. */
const CLOSE_GRACE_MS = 1_000;

export interface WebSocketOptions {
  driver: CoreDriver;
  metrics: Metrics;
  limits: RequestLimits;
  budgets: Pick<HttpLimits, 'wsSendBudgetBytes' | 'wsEventBudgetBytes'>;
  /** With several masters: drain_server and forget_server go through the group's store, as over HTTP. */
  group?: MasterGroup | undefined;
}

const INTENTS = { drain_server: 'drain', forget_server: 'forget' } as const;

/** The intent a well-formed drain_server or forget_server body carries, recorded in the group's store. */
function intentRecorder(driver: CoreDriver, group: MasterGroup | undefined): ((body: Body) => Promise<void> | undefined) | undefined {
  if (group === undefined) return undefined;
  return (body) => {
    const kind = INTENTS[body['type'] as keyof typeof INTENTS] as (typeof INTENTS)[keyof typeof INTENTS] | undefined;
    const server = body['server'];
    if (kind === undefined || typeof server !== 'string' || 'in_reply_to' in body) return undefined;
    return recordIntent(driver, group, kind, server).catch((error: unknown) => {
      if (error instanceof ChunkmasterError) error.about(body['type'] as string);
      throw error;
    });
  };
}

/** GET /ws: the protocol over WebSocket, authenticated at upgrade like any operator route. */
export const websocketRoute: FastifyPluginAsync<WebSocketOptions> = async (app, { driver, metrics, limits, budgets, group }) => {
  const intent = intentRecorder(driver, group);
  // ws answers a bad handshake (no Sec-WebSocket-Key, say) in plain text unless told otherwise.
  app.websocketServer.on('wsClientError', (error: Error, socket: Duplex, request: IncomingMessage) => {
    app.log.info({ url: request.url, reason: error.message }, 'websocket handshake refused');
    refuseHandshake(socket, new ChunkmasterError('HANDSHAKE_REFUSED', error.message));
  });
  // Shutting down, @fastify/websocket sends every client a close frame. A
  // client that does not read is dropped at once: the frame would wait behind
  // its backlog for ws's 30 s close timeout. A throttled socket must read again
  // to finish the handshake, and gets a short grace to do so.
  app.addHook('preClose', (done) => {
    for (const client of app.websocketServer.clients) {
      if (client.bufferedAmount > 0) {
        client.terminate();
        continue;
      }
      client.resume();
      setTimeout(() => client.terminate(), CLOSE_GRACE_MS).unref();
    }
    done();
  });
  app.route({
    method: 'GET',
    url: '/ws',
    schema: {
      summary: 'WebSocket: one protocol body per text frame; {"type":"subscribe"} streams events',
      description: 'Upgrade only (a plain GET gets 426). Frames are the bodies in schemas/; replies are what the stdio node would put in body.',
      tags: ['operators'],
      response: { 101: { description: 'Switching Protocols', type: 'null' }, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 426: ErrorResponse, 429: ErrorResponse },
    },
    handler: async (_request, reply) => {
      reply.header('upgrade', 'websocket');
      throw new ChunkmasterError('UPGRADE_REQUIRED');
    },
    wsHandler: (socket, request) => {
      const session = new WsSession(driver, sink(socket), {
        heartbeat: (run) => metrics.heartbeat(run),
        bug: (error, body) => request.log.error({ err: error, type: body['type'] }, 'internal error while handling a message'),
        intent,
      }, frameLimits(limits, request, budgets));
      request.log.info('websocket opened');
      socket.on('message', (data, isBinary) => {
        session.handleFrame(isBinary ? '' : data.toString());
      });
      socket.on('close', () => {
        session.close();
        request.log.info('websocket closed');
      });
    },
  });
};

function sink(socket: WebSocket) {
  return {
    send: (text: string, flushed?: () => void) => socket.send(text, flushed),
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    close: (code: number, reason: string) => {
      socket.close(code, reason);
      socket.resume();
    },
    // A closing socket must keep reading to see the client's answer.
    pause: () => {
      if (socket.readyState === socket.OPEN) socket.pause();
    },
    resume: () => socket.resume(),
  };
}

/** The socket's frames spend the budgets its HTTP requests would: its address, its client, each heartbeat's server. */
function frameLimits(limits: RequestLimits, request: FastifyRequest, budgets: WebSocketOptions['budgets']): FrameLimits {
  const { ip, clientKey } = request;
  return {
    address: () => limits.address(ip),
    heartbeat: (server) => limits.heartbeat(server),
    client: () => limits.client(clientKey),
    keepAlive: (server) => limits.keepAlive(server),
    sendBudgetBytes: budgets.wsSendBudgetBytes,
    eventBudgetBytes: budgets.wsEventBudgetBytes,
  };
}

/** Fastify's error shape, written by hand: the handshake never reached a reply object. */
function refuseHandshake(socket: Duplex, refusal: ChunkmasterError): void {
  const statusCode = refusal.row.http;
  const body = errorJson(refusal);
  const version = /Version/.test(refusal.message) ? 'Sec-WebSocket-Version: 13, 8\r\n' : '';
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nConnection: close\r\n${version}` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
