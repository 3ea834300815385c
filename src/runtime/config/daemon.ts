import { type Setting, type Slice, int, setting, switchSetting, text } from '../settings.js';

/** The HTTP/WebSocket daemon's own settings (`serve`). */
export interface DaemonConfig {
  host: string;
  port: number;
  /** JSON file of bearer-token digests; undefined runs the daemon open. */
  tokensFile: string | undefined;
  /** Allows an open daemon on a non-loopback address. */
  insecure: boolean;
  http: HttpLimits;
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

const DAY_MS = 86_400_000;
const MIB = 1024 ** 2;

const limit = (flag: string, key: keyof HttpLimits, help: string, parse: (raw: string) => number): Setting<DaemonConfig> =>
  setting(flag, help, parse, (config: DaemonConfig, value) => {
    config.http[key] = value;
  });

export const DAEMON: Slice<DaemonConfig> = {
  title: 'HTTP/WebSocket daemon (serve)',
  settings: [
    setting('host', 'HTTP listen address (127.0.0.1)', text, (c: DaemonConfig, v) => { c.host = v; }),
    setting('port', 'HTTP listen port (7070)', int(0, 65535), (c: DaemonConfig, v) => { c.port = v; }),
    setting(
      'tokens-file',
      'the JSON file of bearer-token SHA-256 digests the daemon accepts ({"servers": {...}, "operators": [...]}, lines from `chunkmaster token`; none: open daemon)',
      text,
      (c: DaemonConfig, v) => { c.tokensFile = v; },
    ),
    switchSetting('insecure', 'allow an open daemon on a non-loopback address (false)', (c: DaemonConfig, v) => { c.insecure = v; }),
    limit('body-limit-bytes', 'bodyLimitBytes', 'largest HTTP request body (8388608)', int(1024, 1024 * MIB)),
    limit('rate-limit-max', 'rateLimitMax', 'per window: heartbeats per server, requests per operator token (per address when open), failed logins per address (6000)', int(1, 1e9)),
    limit('rate-limit-window-ms', 'rateLimitWindowMs', 'rate-limit window (60000)', int(1, DAY_MS)),
    limit('rate-limit-clients', 'rateLimitClients', 'clients whose rate-limit counters are kept (100000)', int(1, 10_000_000)),
    limit('rate-limit-address-max', 'rateLimitAddressMax', 'requests and WebSocket frames per address per window before any is refused unread (1200000)', int(1, 1e12)),
    limit('ws-send-budget-bytes', 'wsSendBudgetBytes', 'unread WebSocket bytes past which a socket asking for more is closed, 1008 (16777216)', int(1024, 1024 * MIB)),
    limit('ws-event-budget-bytes', 'wsEventBudgetBytes', 'unread WebSocket bytes past which events are dropped and counted (1048576)', int(1024, 1024 * MIB)),
    limit('connection-timeout-ms', 'connectionTimeoutMs', 'idle socket timeout (120000)', int(1, DAY_MS)),
    limit('request-timeout-ms', 'requestTimeoutMs', 'time to receive a whole request (30000)', int(1, DAY_MS)),
    limit('keep-alive-timeout-ms', 'keepAliveTimeoutMs', 'idle keep-alive connection timeout (72000)', int(1, DAY_MS)),
    limit('max-connections', 'maxConnections', 'open HTTP/WebSocket connections; past it a JSON 503 (10000)', int(1, 1_000_000)),
  ],
  defaults: () => ({ host: '127.0.0.1', port: 7070, tokensFile: undefined, insecure: false, http: defaultHttpLimits() }),
};
