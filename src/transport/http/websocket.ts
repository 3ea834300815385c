import type { FastifyPluginAsync } from 'fastify';
import type { CoreDriver } from '../../runtime/driver.js';
import { WsSession } from '../ws.js';
import type { Metrics } from './metrics.js';
import { ErrorResponse } from './schemas.js';

export interface WebSocketOptions {
  driver: CoreDriver;
  metrics: Metrics;
}

/** GET /ws: the protocol over WebSocket, authenticated at upgrade like any operator route. */
export const websocketRoute: FastifyPluginAsync<WebSocketOptions> = async (app, { driver, metrics }) => {
  app.get('/ws', {
    websocket: true,
    // @fastify/websocket hides its routes from the OpenAPI document; this one is part of the API.
    config: { swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, hide: false }, url }) },
    schema: {
      summary: 'WebSocket: one protocol body per text frame; {"type":"subscribe"} streams events',
      description: 'Upgrade only (a plain GET gets 404). Frames are the bodies in schemas/; replies are what the stdio node would put in body.',
      tags: ['operators'],
      response: { 101: { description: 'Switching Protocols', type: 'null' }, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
    },
  }, (socket, request) => {
    const session = new WsSession(driver, { send: (text) => socket.send(text) }, {
      heartbeat: (run) => {
        const reply = metrics.timeHeartbeat(run);
        metrics.countHeartbeat(reply?.['type'] === 'heartbeat_ok');
        return reply;
      },
      bug: (error, body) => request.log.error({ err: error, type: body['type'] }, 'internal error while handling a message'),
    });
    request.log.info('websocket opened');
    socket.on('message', (data, isBinary) => {
      session.handleFrame(isBinary ? '' : data.toString());
    });
    socket.on('close', () => {
      session.close();
      request.log.info('websocket closed');
    });
  });
};
