import type { FastifyPluginAsync } from 'fastify';
import type { CoreDriver } from '../../runtime/driver.js';
import { WsSession } from '../ws.js';
import type { Metrics } from './metrics.js';

export interface WebSocketOptions {
  driver: CoreDriver;
  metrics: Metrics;
}

/** GET /ws: the protocol over WebSocket, authenticated at upgrade like any operator route. */
export const websocketRoute: FastifyPluginAsync<WebSocketOptions> = async (app, { driver, metrics }) => {
  app.get('/ws', {
    websocket: true,
    schema: {
      summary: 'WebSocket: one protocol body per text frame; {"type":"subscribe"} streams events',
      tags: ['operators'],
      response: { 101: { description: 'Switching Protocols', type: 'null' } },
    },
  }, (socket, request) => {
    const session = new WsSession(driver, { send: (text) => socket.send(text) }, {
      heartbeat: (run) => {
        const stop = metrics.heartbeatSeconds.startTimer();
        const reply = run();
        stop();
        metrics.heartbeats.inc({ outcome: reply?.['type'] === 'heartbeat_ok' ? 'ok' : 'rejected' });
        return reply;
      },
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
