import { LOG_FORMATS, type LogFormat } from '../logger.js';
import { type Slice, oneOf, setting } from '../settings.js';

export interface LoggingConfig {
  logLevel: string;
  logFormat: LogFormat;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Logging, read by every command that logs (the demo reads its daemon's log itself). */
export const LOGGING: Slice<LoggingConfig> = {
  title: 'logging (stdio, serve, fleet)',
  settings: [
    setting('log-level', `log level: ${LOG_LEVELS.join(', ')} (info)`, oneOf(LOG_LEVELS), (c: LoggingConfig, v) => { c.logLevel = v; }),
    setting('log-format', 'log format: auto (pretty on a terminal, else JSON), json, pretty (auto)', oneOf(LOG_FORMATS), (c: LoggingConfig, v) => { c.logFormat = v; }),
  ],
  defaults: () => ({ logLevel: 'info', logFormat: 'auto' }),
};
