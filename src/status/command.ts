import type { StatusConfig } from '../runtime/config.js';
import { ConfigError } from '../runtime/settings.js';
import { readTokenFile } from '../fleet/transport.js';
import { StatusError, type HealthBody, readStatus } from './client.js';
import { type Paint, render } from './render.js';

/**
 * Exit codes, as monitoring plugins have them: the health, or 3 when it
 * could not be told (the master unreachable, the token refused, a bad flag).
 */
export const EXIT = { HEALTH_OK: 0, HEALTH_WARN: 1, HEALTH_ERR: 2, UNKNOWN: 3 } as const;

export interface StatusIo {
  out(text: string): void;
  err(text: string): void;
  paint: Paint;
  /** On a terminal, --watch clears the screen before each redraw; piped, redraws follow one another. */
  tty: boolean;
  /** Ends --watch. */
  signal: AbortSignal;
}

const CLEAR = '\x1b[H\x1b[2J';

export async function runStatus(config: StatusConfig, io: StatusIo): Promise<number> {
  let token: string | undefined;
  try {
    token = await readTokenFile(config.tokenFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`chunkmaster: ${error.message}\n`);
    return EXIT.UNKNOWN;
  }
  if (!config.watch) return once(config.url, token, io, '');
  let code: number = EXIT.UNKNOWN;
  while (!io.signal.aborted) {
    code = await once(config.url, token, io, io.tty ? CLEAR : '');
    await sleep(config.watchIntervalMs, io.signal);
    if (!io.tty && !io.signal.aborted) io.out('\n');
  }
  return code;
}

/** One read and one drawing; the exit code it stands for. */
async function once(url: string, token: string | undefined, io: StatusIo, before: string): Promise<number> {
  let data;
  try {
    data = await readStatus(url, token);
  } catch (error) {
    if (!(error instanceof StatusError)) throw error;
    io.err(`chunkmaster: ${error.message}\n`);
    return EXIT.UNKNOWN;
  }
  io.out(before + render(url, data, io.paint));
  return exitCodeOf(data.health);
}

export function exitCodeOf(health: HealthBody): number {
  return EXIT[health.status];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
