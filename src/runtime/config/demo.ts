import { type CommandLine, type ConfigOf, ConfigError, argsFor, parseCommandLine, without } from '../settings.js';
import { ALL_SLICES } from '../config.js';
import { DAEMON } from './daemon.js';
import { FLEET } from './fleet.js';
import { MASTER } from './master.js';

/** What the demo runs unless told otherwise: about 30 s, start to end. */
export const DEMO_DEFAULTS = [
  // The daemon's: a free loopback port, a fast master, no rate limit in the way.
  '--host', '127.0.0.1',
  '--port', '0',
  '--heartbeat-interval-ms', '500',
  '--safe-mode-ms', '2000',
  '--rate-limit-max', '1000000000',
  // The fleet's.
  '--servers', '30',
  '--chunks-per-server', '20',
  '--interval-ms', '500',
  '--kill', '5@6',
  '--revive-after-ms', '10000',
  '--duration-ms', '28000',
];

/** The demo's daemon is `serve` with every flag of its slices forwarded, logging aside: the demo reads that log. */
export const DAEMON_SETTINGS = { master: MASTER, daemon: DAEMON };

/** The demo points its fleet at its own daemon, with the daemon's replication factor. */
const DEMO_FLEET = without(FLEET, ['url', 'replication-factor'], 'simulated chunk servers (fleet; the demo gives --url and --replication-factor from its daemon)');

export const DEMO_SETTINGS = { ...DAEMON_SETTINGS, fleet: DEMO_FLEET };

export interface DemoCommandLine extends CommandLine<typeof DEMO_SETTINGS> {
  /** The `serve` flags to start the daemon with: the demo's defaults, then the caller's. */
  daemonArgs: string[];
}

export type DemoConfig = ConfigOf<typeof DEMO_SETTINGS>;

/** The caller's flags override the demo's defaults (the last value given wins). */
export function parseDemoCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): DemoCommandLine {
  const args = [...DEMO_DEFAULTS, ...argv];
  const parsed = parseCommandLine(args, env, DEMO_SETTINGS, ALL_SLICES);
  parsed.config.fleet.replicationFactor = parsed.config.master.replicationFactor;
  return { ...parsed, daemonArgs: argsFor(args, DAEMON_SETTINGS) };
}

/** Checked once the daemon took its tokens file, so that a file not there is named first. */
export function checkTokenGiven({ daemon, fleet }: DemoConfig): void {
  if (daemon.tokensFile === undefined || fleet.tokenFile !== undefined) return;
  throw new ConfigError(
    '--tokens-file makes the daemon demand a bearer token: give --token-file too, a file holding one operator token ' +
      '(line 1 of `chunkmaster token`) whose digest is in the tokens file',
  );
}
