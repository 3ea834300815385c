import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stderr: stdout belongs to the protocol in stdio mode. */
export function createLogger(level: string, options: { sync?: boolean } = {}): Logger {
  return pino({ level, base: { name: 'chunkmaster' } }, pino.destination({ dest: 2, sync: options.sync ?? true }));
}
