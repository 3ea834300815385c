import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import WebSocket from 'ws';
import { runFleet } from '../fleet/fleet.js';
import { monotonicClock } from '../runtime/clock.js';
import type { RuntimeConfig } from '../runtime/config.js';
import { DemoView, type ReplicationView } from './view.js';

export interface DemoIo {
  stdout: { write(text: string): unknown };
  /** Aborting (Ctrl-C) ends the run early; the summary is still printed. */
  signal?: AbortSignal;
}

/** What the demo runs unless told otherwise: about 30 s, start to end. */
export const DEMO_DEFAULTS = [
  '--servers', '30',
  '--chunks-per-server', '20',
  '--interval-ms', '500',
  '--heartbeat-interval-ms', '500',
  '--safe-mode-ms', '2000',
  '--kill', '5@6',
  '--revive-after-ms', '10000',
  '--duration-ms', '28000',
];

const POLL_MS = 500;
const START_TIMEOUT_MS = 15_000;

// Run from source (tests) the daemon is the TypeScript CLI; built, dist/cli.js.
const CLI = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../cli.ts' : '../cli.js', import.meta.url));

/**
 * Starts `chunkmaster serve` on a free port and a fleet against it, narrates
 * what the master does (its event stream and GET /replication) as it
 * happens, and ends with a summary. Returns the exit code: 0 when every
 * heartbeat got through and exactly the silenced servers were called dead.
 */
export async function runDemo(config: RuntimeConfig, io: DemoIo): Promise<number> {
  const started = monotonicClock.now();
  const elapsed = () => monotonicClock.now() - started;
  const view = new DemoView(
    { fleet: config.fleet, deadAfterMs: config.core.heartbeatIntervalMs * config.core.deadAfterMissed, safeModeMs: config.core.safeModeMs },
    (line) => io.stdout.write(`${line}\n`),
  );
  const daemon = await startDaemon(config);
  let socket: WebSocket | undefined;
  let poller: NodeJS.Timeout | undefined;
  try {
    view.intro(daemon.url);
    socket = await subscribe(daemon.url, (body) => view.event(body, elapsed()));
    const poll = async () => {
      view.flushAlive(elapsed());
      const state = await replication(daemon.url);
      if (state !== undefined) view.replication(state, elapsed());
    };
    poller = setInterval(() => void poll(), POLL_MS);
    const stats = await runFleet({ ...config.fleet, url: daemon.url }, undefined, {
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

interface Daemon {
  url: string;
  stop(): Promise<void>;
}

/** The real daemon in a child process; resolves once it says where it listens. */
function startDaemon(config: RuntimeConfig): Promise<Daemon> {
  const { core } = config;
  const args = [
    ...process.execArgv, CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--log-format', 'json', '--log-level', 'info',
    '--heartbeat-interval-ms', String(core.heartbeatIntervalMs), '--dead-after-missed', String(core.deadAfterMissed),
    '--safe-mode-ms', String(core.safeModeMs), '--replication-factor', String(core.replicationFactor),
    '--max-replication-streams', String(core.maxReplicationStreams), '--pending-timeout-ms', String(core.pendingTimeoutMs),
    '--max-dead-fraction', String(core.maxDeadFraction), '--rate-limit-max', '1000000000',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let listening = false;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`the daemon ${why}:\n${log.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const exited = (code: number | null) => fail(`exited with code ${String(code)}`);
    child.once('exit', exited);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      log = (log + chunk).slice(-20_000);
      if (listening) return;
      const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(log)?.[1];
      if (port === undefined) return;
      listening = true;
      clearTimeout(timer);
      child.off('exit', exited);
      resolve({ url: `http://127.0.0.1:${port}`, stop: () => stop(child) });
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A WebSocket on /ws subscribed to the master's events. */
function subscribe(url: string, onEvent: (body: Record<string, unknown>) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
    socket.once('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', msg_id: 1 })));
    socket.on('message', (data) => {
      const body = JSON.parse(String(data)) as Record<string, unknown>;
      if (body['type'] === 'subscribe_ok') resolve(socket);
      else onEvent(body);
    });
  });
}

async function replication(url: string): Promise<ReplicationView | undefined> {
  try {
    const response = await request(`${url}/replication?limit=1`);
    const body = (await response.body.json()) as ReplicationView;
    return response.statusCode === 200 ? body : undefined;
  } catch {
    // The daemon going away at the very end is not news.
    return undefined;
  }
}
