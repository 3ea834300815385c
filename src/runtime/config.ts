import { parseArgs } from 'node:util';
import { type CoreConfig, defaultCoreConfig } from '../core/index.js';

/** Everything the daemon can be told, from flags and environment variables. */
export interface RuntimeConfig {
  core: CoreConfig;
  host: string;
  port: number;
  logLevel: string;
}

interface Setting {
  flag: string;
  env: string;
  help: string;
  parse: (raw: string) => number | string;
  apply: (config: RuntimeConfig, value: number | string) => void;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const int = (min: number, max: number) => (raw: string) => {
  const value = Number(raw);
  if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
};

const real = (min: number, max: number) => (raw: string) => {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`expected a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const oneOf = (options: string[]) => (raw: string) => {
  if (!options.includes(raw)) throw new ConfigError(`expected one of ${options.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw;
};
const text = (raw: string) => {
  if (raw === '') throw new ConfigError('expected a non-empty value');
  return raw;
};

const DAY_MS = 86_400_000;
const core = (key: keyof CoreConfig) => (config: RuntimeConfig, value: number | string) => {
  config.core[key] = value as number;
};

export const SETTINGS: readonly Setting[] = [
  { flag: 'heartbeat-interval-ms', env: 'CHUNKMASTER_HEARTBEAT_INTERVAL_MS', help: 'expected time between heartbeats (5000)', parse: int(1, DAY_MS), apply: core('heartbeatIntervalMs') },
  { flag: 'dead-after-missed', env: 'CHUNKMASTER_DEAD_AFTER_MISSED', help: 'missed heartbeats before a server is dead (3)', parse: int(1, 1000), apply: core('deadAfterMissed') },
  { flag: 'replication-factor', env: 'CHUNKMASTER_REPLICATION_FACTOR', help: 'target replicas per chunk (3)', parse: int(1, 100), apply: core('replicationFactor') },
  { flag: 'safe-mode-ms', env: 'CHUNKMASTER_SAFE_MODE_MS', help: 'no copy or delete instructions this long after start (dead timeout)', parse: int(0, DAY_MS), apply: core('safeModeMs') },
  { flag: 'max-replication-streams', env: 'CHUNKMASTER_MAX_REPLICATION_STREAMS', help: 'outstanding copies per server (2)', parse: int(1, 1000), apply: core('maxReplicationStreams') },
  { flag: 'pending-timeout-ms', env: 'CHUNKMASTER_PENDING_TIMEOUT_MS', help: 'unconfirmed copies are planned again after this (60000)', parse: int(1, DAY_MS), apply: core('pendingTimeoutMs') },
  { flag: 'disk-full-pct', env: 'CHUNKMASTER_DISK_FULL_PCT', help: 'servers at or above this disk use take no copies (90)', parse: real(0, 100), apply: core('diskFullPct') },
  { flag: 'max-dead-fraction', env: 'CHUNKMASTER_MAX_DEAD_FRACTION', help: 'pause re-replication above this dead fraction (0.5)', parse: real(0, 1), apply: core('maxDeadFraction') },
  { flag: 'host', env: 'CHUNKMASTER_HOST', help: 'HTTP listen address (127.0.0.1)', parse: text, apply: (c, v) => { c.host = v as string; } },
  { flag: 'port', env: 'CHUNKMASTER_PORT', help: 'HTTP listen port (7070)', parse: int(0, 65535), apply: (c, v) => { c.port = v as number; } },
  { flag: 'log-level', env: 'CHUNKMASTER_LOG_LEVEL', help: `log level: ${LOG_LEVELS.join(', ')} (info)`, parse: oneOf(LOG_LEVELS), apply: (c, v) => { c.logLevel = v as string; } },
];

export interface ParsedCommandLine {
  config: RuntimeConfig;
  help: boolean;
  positionals: string[];
}

/** Flags win over environment variables, which win over defaults. */
export function loadConfig(args: readonly string[], env: NodeJS.ProcessEnv): ParsedCommandLine {
  const options = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const config: RuntimeConfig = { core: defaultCoreConfig(), host: '127.0.0.1', port: 7070, logLevel: 'info' };
  const given = new Set<string>();
  for (const setting of SETTINGS) {
    const flagValue = (parsed.values as Record<string, string | boolean | undefined>)[setting.flag];
    const raw = typeof flagValue === 'string' ? flagValue : env[setting.env];
    if (raw === undefined) continue;
    const source = typeof flagValue === 'string' ? `--${setting.flag}` : setting.env;
    try {
      setting.apply(config, setting.parse(raw));
    } catch (error) {
      throw new ConfigError(`${source}: ${(error as Error).message}`);
    }
    given.add(setting.flag);
  }
  if (!given.has('safe-mode-ms')) config.core.safeModeMs = config.core.heartbeatIntervalMs * config.core.deadAfterMissed;
  return { config, help: parsed.values['help'] === true, positionals: parsed.positionals };
}

export function settingsHelp(): string {
  const width = Math.max(...SETTINGS.map((s) => s.flag.length)) + 2;
  return SETTINGS.map((s) => `  --${s.flag.padEnd(width)} ${s.help} [${s.env}]`).join('\n');
}
