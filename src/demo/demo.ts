import type { Static } from '@sinclair/typebox';
import { request } from 'undici';
import WebSocket from 'ws';
import { runFleet } from '../fleet/fleet.js';
import { authHeaders, readTokenFile } from '../fleet/transport.js';
import type { SubscribeOk } from '../protocol/schemas.js';
import { deadTimeoutMs } from '../core/index.js';
import { monotonicClock } from '../runtime/clock.js';
import { type DemoCommandLine, checkTokenGiven } from '../runtime/config/demo.js';
import { startDaemon } from './daemon.js';
import { DemoView, type MasterEvent, type ReplicationView } from './view.js';

export interface DemoIo {
  stdout: { write(text: string): unknown };
  /** Aborting (Ctrl-C) ends the run early; the summary is still printed. */
  signal?: AbortSignal;
}

const POLL_MS = 500;

/**
 * Starts `chunkmaster serve` with the demo's serve flags and a fleet against
 * it, narrates what the master does (its event stream and GET /replication)
 * as it happens, and ends with a summary. Returns the exit code: 0 when every
 * heartbeat got through and exactly the silenced servers were called dead.
 */
export async function runDemo({ config, daemonArgs }: Pick<DemoCommandLine, 'config' | 'daemonArgs'>, io: DemoIo): Promise<number> {
  const started = monotonicClock.now();
  const elapsed = () => monotonicClock.now() - started;
  const token = await readTokenFile(config.fleet.tokenFile);
  const daemon = await startDaemon(daemonArgs);
  try {
    checkTokenGiven(config);
  } catch (error) {
    await daemon.stop();
    throw error;
  }
  // The narration follows what the daemon says it was told, not what the demo meant to tell it.
  const told = daemon.config;
  const fleet = { ...config.fleet, urls: [daemon.url], replicationFactor: told.replicationFactor };
  const view = new DemoView({ fleet, deadAfterMs: deadTimeoutMs(told), safeModeMs: told.safeModeMs }, (line) => io.stdout.write(`${line}\n`));
  let socket: WebSocket | undefined;
  let poller: NodeJS.Timeout | undefined;
  try {
    view.intro(daemon.url, told);
    const poll = async () => {
      view.flushAlive(elapsed());
      const state = await replication(daemon.url, token);
      if (state !== undefined) view.replication(state, elapsed());
    };
    socket = await subscribe(daemon.url, token, (event) => {
      view.event(event, elapsed());
      // Right after a death its chunks are short, before any copy can have restored them.
      if (event.type === 'server_dead') void poll();
    });
    poller = setInterval(() => void poll(), POLL_MS);
    const stats = await runFleet(fleet, token, {
      stdout: { write: () => true },
      stderr: { write: () => true },
      progress: (live) => view.fleet(live, elapsed()),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    clearInterval(poller);
    await poll();
    view.fleet(stats, elapsed());
    io.stdout.write(`${view.summary(stats, elapsed())}\n`);
    return view.passed(stats) ? 0 : 1;
  } finally {
    clearInterval(poller);
    socket?.close();
    await daemon.stop();
  }
}

/** A WebSocket on /ws subscribed to the master's events. */
function subscribe(url: string, token: string | undefined, onEvent: (event: MasterEvent) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: authHeaders(token) });
    socket.once('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', msg_id: 1 })));
    socket.on('message', (data) => {
      const body = JSON.parse(String(data)) as MasterEvent | Static<typeof SubscribeOk>;
      if (body.type === 'subscribe_ok') resolve(socket);
      else onEvent(body);
    });
  });
}

async function replication(url: string, token: string | undefined): Promise<ReplicationView | undefined> {
  try {
    const response = await request(`${url}/replication?limit=1`, { headers: authHeaders(token) });
    const body = (await response.body.json()) as ReplicationView;
    return response.statusCode === 200 ? body : undefined;
  } catch {
    // The daemon going away at the very end is not news.
    return undefined;
  }
}
