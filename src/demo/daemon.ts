import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CoreConfig } from '../core/index.js';

const START_TIMEOUT_MS = 15_000;

// Run from source (tests) the daemon is the TypeScript CLI; built, dist/cli.js.
const CLI = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../cli.ts' : '../cli.js', import.meta.url));

export interface Daemon {
  url: string;
  /** The master's settings as the daemon logged them at start: what it was really told. */
  config: CoreConfig;
  stop(): Promise<void>;
}

/** The daemon exited at start with code 2: it refused a setting (its message says which). */
export class DaemonRefused extends Error {
  override name = 'DaemonRefused';
}

interface Started {
  msg?: string;
  config?: CoreConfig;
  addresses?: { address: string; family: string; port: number }[];
}

/**
 * The real daemon, `chunkmaster serve` with `args`, in a child process;
 * resolves once it logs that it started. Its log is JSON at info: the demo
 * reads where it listens and what it was told from it.
 */
export function startDaemon(args: readonly string[]): Promise<Daemon> {
  const argv = [...process.execArgv, CLI, 'serve', ...args, '--log-format', 'json', '--log-level', 'info'];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let pending = '';
  let listening = false;
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`the daemon did not start within ${START_TIMEOUT_MS} ms:\n${log.slice(-2000)}`)), START_TIMEOUT_MS);
    const exited = (code: number | null) => {
      const said = log.split('\n').filter((line) => line !== '' && !line.startsWith('{')).join('\n');
      fail(code === 2 ? new DaemonRefused(said) : new Error(`the daemon exited with code ${String(code)}:\n${log.slice(-2000)}`));
    };
    child.once('exit', exited);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (listening) return;
      log = (log + chunk).slice(-20_000);
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      const started = lines.map(parseLine).find((line) => line?.msg === 'daemon started');
      const address = started?.addresses?.[0];
      if (started?.config === undefined || address === undefined) return;
      listening = true;
      clearTimeout(timer);
      child.off('exit', exited);
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({ url: `http://${host}:${address.port}`, config: started.config, stop: () => stop(child) });
    });
  });
}

function parseLine(line: string): Started | undefined {
  try {
    return JSON.parse(line) as Started;
  } catch {
    return undefined;
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
