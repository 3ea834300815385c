import { defaultCoreConfig } from '../../core/index.js';
import { ConfigError, type Slice, httpUrl, int, oneOf, setting, switchSetting, text } from '../settings.js';

/** The `fleet` command's simulated chunk servers. */
export interface FleetConfig {
  /** The masters to heartbeat, each sent every heartbeat (several: HA, CONTRACT 10). */
  urls: string[];
  /** A file holding the one bearer token the fleet sends; undefined sends none. */
  tokenFile: string | undefined;
  servers: number;
  chunksPerServer: number;
  /** Replicas each chunk starts with: the master's replication factor. */
  replicationFactor: number;
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
  /** incremental: changes since the last accepted heartbeat, a full list when the master asks; full: a full list every heartbeat. */
  report: ReportMode;
  /** Replicas each server gains, and as many it loses, a minute: new chunks written, the oldest deleted. */
  churnPerMin: number;
  /** Handles in one part of a full report: a longer list goes in parts, sent back to back. */
  reportPartSize: number;
}

export const REPORT_MODES = ['incremental', 'full'] as const;
export type ReportMode = (typeof REPORT_MODES)[number];

export interface KillPlan {
  count: number;
  atMs: number;
}

export function defaultFleetConfig(): FleetConfig {
  return {
    urls: ['http://127.0.0.1:7070'],
    tokenFile: undefined,
    servers: 100,
    chunksPerServer: 100,
    replicationFactor: defaultCoreConfig().replicationFactor,
    intervalMs: 5000,
    ws: false,
    connections: 16,
    durationMs: 0,
    kill: undefined,
    reviveAfterMs: 0,
    report: 'incremental',
    churnPerMin: 0,
    reportPartSize: 10_000,
  };
}

/** COUNT@SECONDS, as in 10@30: ten servers go silent thirty seconds in. */
export function parseKill(raw: string): KillPlan {
  const match = /^(\d+)@(\d+(?:\.\d+)?)$/.exec(raw.trim());
  if (!match) throw new ConfigError(`expected COUNT@SECONDS (like 10@30), got ${JSON.stringify(raw)}`);
  return { count: Number(match[1]), atMs: Math.round(Number(match[2]) * 1000) };
}

const anHttpUrl = httpUrl('an http:// URL');

/** URL[,URL...]: the masters, each named once (twice would double its heartbeats). */
function httpUrls(raw: string): string[] {
  const urls = raw.split(',').map((part) => anHttpUrl(part.trim()));
  const twice = urls.find((url, i) => urls.indexOf(url) !== i);
  if (twice !== undefined) throw new ConfigError(`${twice} is named twice`);
  return urls;
}

const DAY_MS = 86_400_000;
type Fleet = FleetConfig;

export const FLEET: Slice<FleetConfig> = {
  title: 'simulated chunk servers (fleet)',
  settings: [
    setting(
      'token-file',
      'a text file holding the one bearer token the fleet sends (line 1 of `chunkmaster token`, an operator\'s; none: send no token)',
      text,
      (c: Fleet, v) => { c.tokenFile = v; },
    ),
    setting('url', 'the master to heartbeat to; several comma-separated (HA) each get every heartbeat (http://127.0.0.1:7070)', httpUrls, (c: Fleet, v) => { c.urls = v; }),
    setting('servers', 'simulated chunk servers (100)', int(1, 1_000_000), (c: Fleet, v) => { c.servers = v; }),
    setting('chunks-per-server', 'chunks each server starts with (100)', int(0, 10_000_000), (c: Fleet, v) => { c.chunksPerServer = v; }),
    setting('replication-factor', 'replicas each chunk starts with: give the master\'s (3)', int(1, 100), (c: Fleet, v) => { c.replicationFactor = v; }),
    setting('interval-ms', 'time between one server\'s heartbeats (5000)', int(1, DAY_MS), (c: Fleet, v) => { c.intervalMs = v; }),
    switchSetting('ws', 'heartbeat over WebSocket (/ws) instead of HTTP', (c: Fleet, v) => { c.ws = v; }),
    setting('connections', 'connections shared by all servers (16)', int(1, 10_000), (c: Fleet, v) => { c.connections = v; }),
    setting('duration-ms', 'stop after this long; 0 runs until interrupted (0)', int(0, DAY_MS), (c: Fleet, v) => { c.durationMs = v; }),
    setting('kill', 'COUNT@SECONDS: COUNT servers go silent SECONDS in', parseKill, (c: Fleet, v) => { c.kill = v; }),
    setting('revive-after-ms', 'killed servers come back, chunks and all, this long after going silent; 0 never (0)', int(0, DAY_MS), (c: Fleet, v) => { c.reviveAfterMs = v; }),
    setting(
      'report',
      'incremental: each heartbeat carries the chunks added and removed since the last accepted one, a full list only when the master asks; full: a full list every heartbeat (incremental)',
      oneOf(REPORT_MODES),
      (c: Fleet, v) => { c.report = v; },
    ),
    setting(
      'churn-per-min',
      'replicas each server gains and loses a minute: new chunks written (on replication-factor servers each) and the oldest deleted (0)',
      int(0, 1_000_000),
      (c: Fleet, v) => { c.churnPerMin = v; },
    ),
    setting('report-part-size', 'handles per part of a full report: a longer list goes in parts, sent back to back (10000)', int(1, 10_000_000), (c: Fleet, v) => { c.reportPartSize = v; }),
  ],
  defaults: defaultFleetConfig,
};
