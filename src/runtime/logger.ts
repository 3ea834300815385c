import { isatty } from 'node:tty';
import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { LogDestination, type LogOutput } from './log-destination.js';

export type { Logger };
export type { LogOutput };

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** How long shutdown waits for buffered log lines before giving up on a stuck sink. */
export const LOG_CLOSE_MS = 1000;

export interface LoggerOptions {
  /** auto: readable lines when the sink is a terminal, JSON otherwise. */
  format?: LogFormat;
  /** The file descriptor logs go to: stderr, since stdout belongs to the protocol in stdio mode. */
  fd?: number;
  /** Bytes held for a slow sink before lines are dropped. */
  maxBytes?: number;
}

export interface OpenLog {
  log: Logger;
  /** Counts of lines written and dropped, and the flush on shutdown. */
  output: LogOutput;
}

const BASE = { name: 'chunkmaster' };

/** A logger whose writes never block the event loop (see LogDestination). */
export function openLog(level: string, options: LoggerOptions = {}): OpenLog {
  const fd = options.fd ?? 2;
  const format = options.format ?? 'json';
  const terminal = isTerminal(fd);
  const pretty = format === 'pretty' || (format === 'auto' && terminal);
  const output = new LogDestination({
    fd,
    base: BASE,
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    ...(pretty ? { format: prettyFactory({ colorize: terminal }) } : {}),
  });
  return { log: pino({ level, base: BASE }, output), output };
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  return openLog(level, options).log;
}

function isTerminal(fd: number): boolean {
  // Opening process.stderr also makes a pipe non-blocking: a full pipe then
  // answers EAGAIN (retried on a timer) instead of holding a libuv thread.
  if (fd === 2) return process.stderr.isTTY === true;
  return isatty(fd);
}
