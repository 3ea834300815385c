import { readFile } from 'node:fs/promises';
import type { Static } from '@sinclair/typebox';
import { Pool } from 'undici';
import WebSocket from 'ws';
import type { ErrorReply, HeartbeatOk } from '../protocol/schemas.js';
import { ConfigError } from '../runtime/settings.js';
import type { HeartbeatAnswer, HeartbeatReport, LeadershipFields } from './chunk-servers.js';

type WsHeartbeatOk = Static<typeof HeartbeatOk> & LeadershipFields;
type WsReply = WsHeartbeatOk | Static<typeof ErrorReply>;

/** Sends one heartbeat and resolves with the master's answer. */
export interface HeartbeatTransport {
  send(report: HeartbeatReport): Promise<HeartbeatAnswer>;
  close(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 10_000;

export function authHeaders(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** The bearer token in a --token-file (one token, surrounding whitespace ignored); none without a file. */
export async function readTokenFile(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new ConfigError(`--token-file ${file}: ${(error as Error).message}`);
  }
}

/** POST /heartbeat over a keep-alive pool. */
export class HttpTransport implements HeartbeatTransport {
  private readonly pool: Pool;

  constructor(
    url: string,
    connections: number,
    private readonly token?: string,
  ) {
    this.pool = new Pool(url, { connections, pipelining: 1 });
  }

  async send(report: HeartbeatReport): Promise<HeartbeatAnswer> {
    const response = await this.pool.request({
      path: '/heartbeat',
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders(this.token) },
      body: JSON.stringify(report),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as HeartbeatAnswer;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

interface Pending {
  resolve: (answer: HeartbeatAnswer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  socket: WebSocket;
}

/** Heartbeat bodies over a few shared WebSockets, matched to replies by msg_id. */
export class WsTransport implements HeartbeatTransport {
  private readonly pending = new Map<number, Pending>();
  private nextMsgId = 0;
  private turn = 0;

  private constructor(private readonly sockets: WebSocket[]) {
    for (const socket of sockets) {
      socket.on('message', (data) => this.onReply(String(data)));
      socket.on('close', () => this.failAll(socket, new Error('WebSocket closed')));
    }
  }

  static async connect(url: string, connections: number, token?: string): Promise<WsTransport> {
    const wsUrl = `${url.replace(/^http/, 'ws')}/ws`;
    const sockets = await Promise.all(
      Array.from({ length: connections }, () => {
        const socket = new WebSocket(wsUrl, { headers: authHeaders(token) });
        return new Promise<WebSocket>((resolve, reject) => {
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
        });
      }),
    );
    return new WsTransport(sockets);
  }

  send(report: HeartbeatReport): Promise<HeartbeatAnswer> {
    const socket = this.sockets[this.turn++ % this.sockets.length] as WebSocket;
    const msgId = this.nextMsgId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(msgId)?.reject(new Error('no reply in time')), REQUEST_TIMEOUT_MS);
      this.pending.set(msgId, { resolve, reject, timer, socket });
      socket.send(JSON.stringify({ type: 'heartbeat', msg_id: msgId, ...report }), (error) => {
        if (error) this.settle(msgId)?.reject(error);
      });
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            socket.once('close', () => resolve());
            socket.close();
          }),
      ),
    );
  }

  private onReply(text: string): void {
    let body: WsReply;
    try {
      body = JSON.parse(text) as WsReply;
    } catch {
      return;
    }
    const waiter = body.in_reply_to === undefined ? undefined : this.settle(body.in_reply_to);
    if (waiter === undefined) return;
    if (body.type === 'heartbeat_ok') waiter.resolve(toAnswer(body));
    else waiter.reject(new Error(`${body.type}: ${body.text}`));
  }

  private settle(msgId: number): Pending | undefined {
    const waiter = this.pending.get(msgId);
    if (waiter === undefined) return undefined;
    this.pending.delete(msgId);
    clearTimeout(waiter.timer);
    return waiter;
  }

  private failAll(socket: WebSocket, error: Error): void {
    for (const [msgId, waiter] of [...this.pending]) {
      if (waiter.socket === socket) this.settle(msgId)?.reject(error);
    }
  }
}

/**
 * HTTP carries every field; WebSocket replies, like stdio's, leave empty
 * lists and a false full_report out. HA mode's role, epoch and leader come
 * together, after status, as HTTP places them.
 */
function toAnswer(reply: WsHeartbeatOk): HeartbeatAnswer {
  const { role, epoch, leader } = reply;
  return {
    status: reply.status,
    ...(epoch === undefined ? {} : { role, epoch, leader }),
    chunks_to_delete: reply.chunks_to_delete ?? [],
    chunks_to_replicate: reply.chunks_to_replicate ?? [],
    full_report: reply.full_report ?? false,
  };
}
