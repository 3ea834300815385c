import { parseArgs } from 'node:util';
import { type CoreConfig, defaultCoreConfig } from '../core/index.js';
import { LOG_FORMATS, type LogFormat } from './logger.js';

/** Everything the daemon can be told, from flags and environment variables. */
export interface RuntimeConfig {
  core: CoreConfig;
  host: string;
  port: number;
  logLevel: string;
  logFormat: LogFormat;
  /** JSON file of bearer-token digests; undefined runs the daemon open. */
  tokensFile: string | undefined;
  /** Allows an open daemon on a non-loopback address. */
  insecure: boolean;
  http: HttpLimits;
  /** A file holding one bearer token; the fleet sends it. */
  tokenFile: string | undefined;
  fleet: FleetConfig;
}

/** Limits of the HTTP/WebSocket daemon. */
export interface HttpLimits {
  bodyLimitBytes: number;
  /** Per window: heartbeats per chunk server, requests per operator, failed logins per address. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** Clients whose counters the rate limiter keeps; beyond it the least recent are forgotten. */
  rateLimitClients: number;
  /** Requests and WebSocket frames per address per window before any is refused unread (abuse). */
  rateLimitAddressMax: number;
  /** Unsent WebSocket bytes past which a socket that still asks for more is closed (1008). */
  wsSendBudgetBytes: number;
  /** Unsent WebSocket bytes past which a subscriber's events are dropped and counted. */
  wsEventBudgetBytes: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Open connections; past it a new one gets a JSON 503 and is closed. */
  maxConnections: number;
}

export function defaultHttpLimits(): HttpLimits {
  return {
    // A 300k-chunk report with 20-character handles is about 7 MiB.
    bodyLimitBytes: 8 * 1024 * 1024,
    // Per client per window; a server heartbeating every second uses 60.
    rateLimitMax: 6000,
    rateLimitWindowMs: 60_000,
    // Every chunk server is a client: room for a large fleet, or its counters
    // would be evicted between two heartbeats and the limit never bite.
    rateLimitClients: 100_000,
    // 20,000 a second from one address: ten times a 10,000-server fleet at a
    // 5 s interval behind one NAT address, so only a flood reaches it.
    rateLimitAddressMax: 1_200_000,
    // Room for a few server_status replies of a large fleet in flight.
    wsSendBudgetBytes: 16 * 1024 * 1024,
    wsEventBudgetBytes: 1024 * 1024,
    // Idle sockets close after this; longer than keep-alive so that one decides.
    connectionTimeoutMs: 120_000,
    requestTimeoutMs: 30_000,
    // Many heartbeat intervals: a server keeps its connection between beats.
    keepAliveTimeoutMs: 72_000,
    // A fleet keeps one connection per server (or fewer, shared): room for 10,000.
    maxConnections: 10_000,
  };
}

/** The `fleet` command's simulated chunk servers. */
export interface FleetConfig {
  url: string;
  servers: number;
  chunksPerServer: number;
  intervalMs: number;
  /** Heartbeat over one WebSocket per connection instead of HTTP. */
  ws: boolean;
  /** Connections shared by all simulated servers. */
  connections: number;
  /** Stop after this long; 0 runs until interrupted. */
  durationMs: number;
  /** Go silent: `count` servers at `atMs` after the start. */
  kill: KillPlan | undefined;
  /** Killed servers heartbeat again, with their chunks, this long after going silent; 0 never. */
  reviveAfterMs: number;
}

export interface KillPlan {
  count: number;
  atMs: number;
}

/** Which commands a setting is for; a command accepts only its own groups. */
export type SettingGroup = 'master' | 'daemon' | 'logging' | 'fleet';

export const GROUP_TITLES: ReadonlyMap<SettingGroup, string> = new Map([
  ['master', 'master (stdio, serve)'],
  ['daemon', 'HTTP/WebSocket daemon (serve)'],
  ['logging', 'logging (every command)'],
  ['fleet', 'simulated chunk servers (fleet)'],
] as const);

interface Setting {
  flag: string;
  group: SettingGroup;
  env: string;
  help: string;
  /** A switch: present as a flag, or 1/true/0/false in the environment. */
  boolean?: true;
  parse: (raw: string) => Value;
  apply: (config: RuntimeConfig, value: Value) => void;
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

const httpUrl = (raw: string) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`expected an http:// URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`expected an http:// URL, got ${JSON.stringify(raw)}`);
  return raw.replace(/\/+$/, '');
};

/** COUNT@SECONDS, as in 10@30: ten servers go silent thirty seconds in. */
export function parseKill(raw: string): KillPlan {
  const match = /^(\d+)@(\d+(?:\.\d+)?)$/.exec(raw.trim());
  if (!match) throw new ConfigError(`expected COUNT@SECONDS (like 10@30), got ${JSON.stringify(raw)}`);
  return { count: Number(match[1]), atMs: Math.round(Number(match[2]) * 1000) };
}

const flag = (raw: string) => {
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no|)$/i.test(raw)) return false;
  throw new ConfigError(`expected true or false, got ${JSON.stringify(raw)}`);
};

const DAY_MS = 86_400_000;
type Value = number | string | boolean | KillPlan;
const core = (key: keyof CoreConfig) => (config: RuntimeConfig, value: Value) => {
  config.core[key] = value as number;
};
const limit = (key: keyof HttpLimits) => (config: RuntimeConfig, value: Value) => {
  config.http[key] = value as number;
};

export const SETTINGS: readonly Setting[] = [
  { flag: 'heartbeat-interval-ms', group: 'master', env: 'CHUNKMASTER_HEARTBEAT_INTERVAL_MS', help: 'expected time between heartbeats (5000)', parse: int(1, DAY_MS), apply: core('heartbeatIntervalMs') },
  { flag: 'dead-after-missed', group: 'master', env: 'CHUNKMASTER_DEAD_AFTER_MISSED', help: 'missed heartbeats before a server is dead (3)', parse: int(1, 1000), apply: core('deadAfterMissed') },
  { flag: 'replication-factor', group: 'master', env: 'CHUNKMASTER_REPLICATION_FACTOR', help: 'target replicas per chunk (3)', parse: int(1, 100), apply: core('replicationFactor') },
  { flag: 'safe-mode-ms', group: 'master', env: 'CHUNKMASTER_SAFE_MODE_MS', help: 'no copy or delete instructions this long after start (dead timeout)', parse: int(0, DAY_MS), apply: core('safeModeMs') },
  { flag: 'max-replication-streams', group: 'master', env: 'CHUNKMASTER_MAX_REPLICATION_STREAMS', help: 'outstanding copies per server (2)', parse: int(1, 1000), apply: core('maxReplicationStreams') },
  { flag: 'pending-timeout-ms', group: 'master', env: 'CHUNKMASTER_PENDING_TIMEOUT_MS', help: 'unconfirmed copies are planned again after this (60000)', parse: int(1, DAY_MS), apply: core('pendingTimeoutMs') },
  { flag: 'disk-full-pct', group: 'master', env: 'CHUNKMASTER_DISK_FULL_PCT', help: 'servers at or above this disk use take no copies (90)', parse: real(0, 100), apply: core('diskFullPct') },
  { flag: 'max-dead-fraction', group: 'master', env: 'CHUNKMASTER_MAX_DEAD_FRACTION', help: 'pause re-replication above this dead fraction (0.5)', parse: real(0, 1), apply: core('maxDeadFraction') },
  { flag: 'dead-out-ms', group: 'master', env: 'CHUNKMASTER_DEAD_OUT_MS', help: 'a server dead this long no longer counts for the brake (600000)', parse: int(1, 100 * DAY_MS), apply: core('deadOutMs') },
  { flag: 'host', group: 'daemon', env: 'CHUNKMASTER_HOST', help: 'HTTP listen address (127.0.0.1)', parse: text, apply: (c, v) => { c.host = v as string; } },
  { flag: 'port', group: 'daemon', env: 'CHUNKMASTER_PORT', help: 'HTTP listen port (7070)', parse: int(0, 65535), apply: (c, v) => { c.port = v as number; } },
  { flag: 'log-level', group: 'logging', env: 'CHUNKMASTER_LOG_LEVEL', help: `log level: ${LOG_LEVELS.join(', ')} (info)`, parse: oneOf(LOG_LEVELS), apply: (c, v) => { c.logLevel = v as string; } },
  { flag: 'log-format', group: 'logging', env: 'CHUNKMASTER_LOG_FORMAT', help: 'log format: auto (pretty on a terminal, else JSON), json, pretty (auto)', parse: oneOf([...LOG_FORMATS]), apply: (c, v) => { c.logFormat = v as LogFormat; } },
  { flag: 'tokens-file', group: 'daemon', env: 'CHUNKMASTER_TOKENS_FILE', help: 'JSON file of bearer-token SHA-256 digests (none: open daemon)', parse: text, apply: (c, v) => { c.tokensFile = v as string; } },
  { flag: 'insecure', group: 'daemon', env: 'CHUNKMASTER_INSECURE', help: 'allow an open daemon on a non-loopback address (false)', boolean: true, parse: flag, apply: (c, v) => { c.insecure = v as boolean; } },
  { flag: 'body-limit-bytes', group: 'daemon', env: 'CHUNKMASTER_BODY_LIMIT_BYTES', help: 'largest HTTP request body (8388608)', parse: int(1024, 1024 ** 3), apply: limit('bodyLimitBytes') },
  { flag: 'rate-limit-max', group: 'daemon', env: 'CHUNKMASTER_RATE_LIMIT_MAX', help: 'per window: heartbeats per server, requests per operator token (per address when open), failed logins per address (6000)', parse: int(1, 1e9), apply: limit('rateLimitMax') },
  { flag: 'rate-limit-window-ms', group: 'daemon', env: 'CHUNKMASTER_RATE_LIMIT_WINDOW_MS', help: 'rate-limit window (60000)', parse: int(1, DAY_MS), apply: limit('rateLimitWindowMs') },
  { flag: 'rate-limit-clients', group: 'daemon', env: 'CHUNKMASTER_RATE_LIMIT_CLIENTS', help: 'clients whose rate-limit counters are kept (100000)', parse: int(1, 10_000_000), apply: limit('rateLimitClients') },
  { flag: 'rate-limit-address-max', group: 'daemon', env: 'CHUNKMASTER_RATE_LIMIT_ADDRESS_MAX', help: 'requests and WebSocket frames per address per window before any is refused unread (1200000)', parse: int(1, 1e12), apply: limit('rateLimitAddressMax') },
  { flag: 'ws-send-budget-bytes', group: 'daemon', env: 'CHUNKMASTER_WS_SEND_BUDGET_BYTES', help: 'unread WebSocket bytes past which a socket asking for more is closed, 1008 (16777216)', parse: int(1024, 1024 ** 3), apply: limit('wsSendBudgetBytes') },
  { flag: 'ws-event-budget-bytes', group: 'daemon', env: 'CHUNKMASTER_WS_EVENT_BUDGET_BYTES', help: 'unread WebSocket bytes past which events are dropped and counted (1048576)', parse: int(1024, 1024 ** 3), apply: limit('wsEventBudgetBytes') },
  { flag: 'connection-timeout-ms', group: 'daemon', env: 'CHUNKMASTER_CONNECTION_TIMEOUT_MS', help: 'idle socket timeout (120000)', parse: int(1, DAY_MS), apply: limit('connectionTimeoutMs') },
  { flag: 'request-timeout-ms', group: 'daemon', env: 'CHUNKMASTER_REQUEST_TIMEOUT_MS', help: 'time to receive a whole request (30000)', parse: int(1, DAY_MS), apply: limit('requestTimeoutMs') },
  { flag: 'keep-alive-timeout-ms', group: 'daemon', env: 'CHUNKMASTER_KEEP_ALIVE_TIMEOUT_MS', help: 'idle keep-alive connection timeout (72000)', parse: int(1, DAY_MS), apply: limit('keepAliveTimeoutMs') },
  { flag: 'max-connections', group: 'daemon', env: 'CHUNKMASTER_MAX_CONNECTIONS', help: 'open HTTP/WebSocket connections; past it a JSON 503 (10000)', parse: int(1, 1_000_000), apply: limit('maxConnections') },
  { flag: 'token-file', group: 'fleet', env: 'CHUNKMASTER_TOKEN_FILE', help: 'file holding the bearer token to send (line 1 of `chunkmaster token`)', parse: text, apply: (c, v) => { c.tokenFile = v as string; } },
  { flag: 'url', group: 'fleet', env: 'CHUNKMASTER_URL', help: 'the master to heartbeat to (http://127.0.0.1:7070)', parse: httpUrl, apply: (c, v) => { c.fleet.url = v as string; } },
  { flag: 'servers', group: 'fleet', env: 'CHUNKMASTER_SERVERS', help: 'simulated chunk servers (100)', parse: int(1, 1_000_000), apply: (c, v) => { c.fleet.servers = v as number; } },
  { flag: 'chunks-per-server', group: 'fleet', env: 'CHUNKMASTER_CHUNKS_PER_SERVER', help: 'chunks each server starts with (100)', parse: int(0, 10_000_000), apply: (c, v) => { c.fleet.chunksPerServer = v as number; } },
  { flag: 'interval-ms', group: 'fleet', env: 'CHUNKMASTER_INTERVAL_MS', help: 'time between one server\'s heartbeats (5000)', parse: int(1, DAY_MS), apply: (c, v) => { c.fleet.intervalMs = v as number; } },
  { flag: 'ws', group: 'fleet', boolean: true, env: 'CHUNKMASTER_WS', help: 'heartbeat over WebSocket (/ws) instead of HTTP', parse: flag, apply: (c, v) => { c.fleet.ws = v as boolean; } },
  { flag: 'connections', group: 'fleet', env: 'CHUNKMASTER_CONNECTIONS', help: 'connections shared by all servers (16)', parse: int(1, 10_000), apply: (c, v) => { c.fleet.connections = v as number; } },
  { flag: 'duration-ms', group: 'fleet', env: 'CHUNKMASTER_DURATION_MS', help: 'stop after this long; 0 runs until interrupted (0)', parse: int(0, DAY_MS), apply: (c, v) => { c.fleet.durationMs = v as number; } },
  { flag: 'kill', group: 'fleet', env: 'CHUNKMASTER_KILL', help: 'COUNT@SECONDS: COUNT servers go silent SECONDS in', parse: parseKill, apply: (c, v) => { c.fleet.kill = v as KillPlan; } },
  { flag: 'revive-after-ms', group: 'fleet', env: 'CHUNKMASTER_REVIVE_AFTER_MS', help: 'killed servers come back, chunks and all, this long after going silent; 0 never (0)', parse: int(0, DAY_MS), apply: (c, v) => { c.fleet.reviveAfterMs = v as number; } },
];

export interface ParsedCommandLine {
  config: RuntimeConfig;
  help: boolean;
  positionals: string[];
}

const ALL_GROUPS: readonly SettingGroup[] = [...GROUP_TITLES.keys()];

/**
 * Flags win over environment variables, which win over defaults. Only the
 * given groups' settings are read: another command's flag is an unknown option.
 */
export function loadConfig(args: readonly string[], env: NodeJS.ProcessEnv, groups: readonly SettingGroup[] = ALL_GROUPS): ParsedCommandLine {
  const settings = SETTINGS.filter((s) => groups.includes(s.group));
  const options = Object.fromEntries(settings.map((s) => [s.flag, { type: s.boolean ? ('boolean' as const) : ('string' as const) }]));
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError(foreignFlagMessage(args, groups) ?? (error as Error).message);
  }
  const config: RuntimeConfig = {
    core: defaultCoreConfig(),
    host: '127.0.0.1',
    port: 7070,
    logLevel: 'info',
    logFormat: 'auto',
    tokensFile: undefined,
    insecure: false,
    http: defaultHttpLimits(),
    tokenFile: undefined,
    fleet: defaultFleetConfig(),
  };
  const given = new Set<string>();
  for (const setting of settings) {
    const flagValue = (parsed.values as Record<string, string | boolean | undefined>)[setting.flag];
    const fromFlag = flagValue !== undefined;
    const raw = typeof flagValue === 'boolean' ? String(flagValue) : (flagValue ?? env[setting.env]);
    if (raw === undefined) continue;
    const source = fromFlag ? `--${setting.flag}` : setting.env;
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

/** Says whose setting a rejected flag is, when it belongs to another command. */
function foreignFlagMessage(args: readonly string[], groups: readonly SettingGroup[]): string | undefined {
  for (const arg of args) {
    const name = /^--([^=]+)/.exec(arg)?.[1];
    const setting = SETTINGS.find((s) => s.flag === name);
    if (setting && !groups.includes(setting.group)) return `--${setting.flag} is not a setting of this command (it is for: ${GROUP_TITLES.get(setting.group)})`;
  }
  return undefined;
}

export function defaultFleetConfig(): FleetConfig {
  return { url: 'http://127.0.0.1:7070', servers: 100, chunksPerServer: 100, intervalMs: 5000, ws: false, connections: 16, durationMs: 0, kill: undefined, reviveAfterMs: 0 };
}

/** Every setting under its group's title. */
export function settingsHelp(): string {
  const width = Math.max(...SETTINGS.map((s) => s.flag.length)) + 2;
  return ALL_GROUPS.map((group) => {
    const lines = SETTINGS.filter((s) => s.group === group).map((s) => `  --${s.flag.padEnd(width)} ${s.help} [${s.env}]`);
    return `${GROUP_TITLES.get(group)}:\n${lines.join('\n')}`;
  }).join('\n\n');
}
