import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { ChunkmasterError, errorJson } from '../../protocol/errors.js';

/** How long a refused socket may take to read its 503 before it is destroyed. */
const REFUSED_GRACE_MS = 1000;

export interface ConnectionGate {
  /** Connections let through and still open. */
  readonly open: number;
  /** Refused sockets still reading their 503. */
  readonly refused: number;
  /** Destroys refused sockets still reading their 503 (the server is closing). */
  closeRefused(): void;
}

type ConnectionListener = (this: Server, socket: Socket) => void;

/**
 * Caps open connections at `max`. Node's server.maxConnections drops a socket
 * past the cap without a word; here it gets a short JSON 503 and is closed.
 * The server's own connection listeners (HTTP parsing above all) are moved
 * behind the gate, so a refused socket is never parsed or routed.
 */
export function gateConnections(server: Server, max: number): ConnectionGate {
  const forward = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  const refused = new Set<Socket>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= max) {
      refuse(socket, max, refused);
      return;
    }
    open++;
    socket.once('close', () => open--);
    for (const listener of forward) listener.call(server, socket);
  });
  return {
    get open() {
      return open;
    },
    get refused() {
      return refused.size;
    },
    closeRefused() {
      for (const socket of refused) socket.destroy();
      refused.clear();
    },
  };
}

function refuse(socket: Socket, max: number, refused: Set<Socket>): void {
  const refusal = new ChunkmasterError('TOO_MANY_CONNECTIONS', max);
  const body = errorJson(refusal);
  refused.add(socket);
  socket.on('error', () => socket.destroy());
  socket.once('close', () => refused.delete(socket));
  // Read and discard what the client sends: closing with unread data would
  // reset the connection and could lose the reply.
  socket.resume();
  socket.setTimeout(REFUSED_GRACE_MS, () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${refusal.row.http} ${STATUS_CODES[refusal.row.http]}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'retry-after: 1\r\n' +
      'connection: close\r\n\r\n' +
      body,
  );
}

/**
 * An Expect header other than 100-continue: Node answers a bare 417 unless
 * someone listens; this answer is JSON, like every other error reply.
 */
export function answerExpectationsInJson(server: Server): void {
  server.on('checkExpectation', (request, response) => {
    const refusal = new ChunkmasterError('EXPECTATION_FAILED', request.headers.expect);
    const body = errorJson(refusal);
    response.writeHead(refusal.row.http, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    response.end(body);
  });
}
