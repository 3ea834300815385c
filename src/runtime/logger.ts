import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  sync?: boolean;
  /** auto: readable lines when stderr is a terminal, JSON otherwise. */
  format?: LogFormat;
}

/** Logs on stderr: stdout belongs to the protocol in stdio mode. */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const sync = options.sync ?? true;
  const format = options.format ?? 'json';
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  const destination = pretty
    ? PinoPretty({ destination: 2, sync, colorize: process.stderr.isTTY === true })
    : pino.destination({ dest: 2, sync });
  return pino({ level, base: { name: 'chunkmaster' } }, destination);
}
