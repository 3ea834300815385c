import { DAEMON } from './config/daemon.js';
import { FLEET } from './config/fleet.js';
import { GROUP } from './config/group.js';
import { LOGGING } from './config/logging.js';
import { MASTER } from './config/master.js';
import { STATUS } from './config/status.js';
import { type CommandLine, type ConfigOf, type SliceInfo, type Slices, parseCommandLine, settingsHelp as helpOf } from './settings.js';

/**
 * Which slices of settings each command reads. Each slice (config/*.ts)
 * owns its types, flags and help; settings.ts is the machinery they share.
 */
export { ConfigError, type CommandLine, type ConfigOf } from './settings.js';
export { DAEMON, type DaemonConfig, type HttpLimits, defaultHttpLimits } from './config/daemon.js';
export { FLEET, type FleetConfig, type KillPlan, defaultFleetConfig, parseKill } from './config/fleet.js';
export { GROUP, type GroupConfig } from './config/group.js';
export { LOGGING, type LoggingConfig } from './config/logging.js';
export { MASTER } from './config/master.js';
export { STATUS, type StatusConfig } from './config/status.js';

export const STDIO_SETTINGS = { master: MASTER, logging: LOGGING };
export const SERVE_SETTINGS = { master: MASTER, daemon: DAEMON, group: GROUP, logging: LOGGING };
export const FLEET_SETTINGS = { fleet: FLEET, logging: LOGGING };
export const STATUS_SETTINGS = { status: STATUS };
/** What a command line without a command may hold, to honour --help and report bad values first. */
export const EVERY_SETTING = { master: MASTER, daemon: DAEMON, group: GROUP, logging: LOGGING, fleet: FLEET, status: STATUS };

export type StdioConfig = ConfigOf<typeof STDIO_SETTINGS>;
export type ServeConfig = ConfigOf<typeof SERVE_SETTINGS>;
export type FleetCommandConfig = ConfigOf<typeof FLEET_SETTINGS>;
export type StatusCommandConfig = ConfigOf<typeof STATUS_SETTINGS>;

export const ALL_SLICES: readonly SliceInfo[] = Object.values(EVERY_SETTING);

/** Every flag once (a flag two slices read, like --replication-factor, is one setting to the user). */
export const SETTINGS = [...new Map(ALL_SLICES.flatMap((slice) => slice.settings).map((s) => [s.flag, s])).values()];

/** Reads `slices` from the command line; another command's flag is refused with whose it is. */
export function loadConfig<S extends Slices>(args: readonly string[], env: NodeJS.ProcessEnv, slices: S): CommandLine<S> {
  return parseCommandLine(args, env, slices, ALL_SLICES);
}

/** The help of `slices`, every command's by default. */
export function settingsHelp(slices: readonly SliceInfo[] = ALL_SLICES): string {
  return helpOf(slices);
}
