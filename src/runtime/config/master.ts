import { type CoreConfig, deadTimeoutMs, defaultCoreConfig } from '../../core/index.js';
import { ConfigError, type Setting, type Slice, int, real, setting } from '../settings.js';

const DAY_MS = 86_400_000;

const core = <K extends keyof CoreConfig>(flag: string, key: K, help: string, parse: (raw: string) => CoreConfig[K]): Setting<CoreConfig> =>
  setting(flag, help, parse, (config: CoreConfig, value) => {
    config[key] = value;
  });

/** The master's rules: read by every command that runs one (stdio, serve, and the demo's daemon). */
export const MASTER: Slice<CoreConfig> = {
  title: 'master (stdio, serve)',
  settings: [
    core('heartbeat-interval-ms', 'heartbeatIntervalMs', 'expected time between heartbeats (5000)', int(1, DAY_MS)),
    core('dead-after-missed', 'deadAfterMissed', 'missed heartbeats before a server is dead (3)', int(1, 1000)),
    core('replication-factor', 'replicationFactor', 'target replicas per chunk (3)', int(1, 100)),
    core('safe-mode-ms', 'safeModeMs', 'no copy or delete instructions this long after start (dead timeout)', int(0, DAY_MS)),
    core('max-replication-streams', 'maxReplicationStreams', 'outstanding copies per server (2)', int(1, 1000)),
    core('pending-timeout-ms', 'pendingTimeoutMs', 'unconfirmed copies are planned again after this (60000)', int(1, DAY_MS)),
    core('disk-full-pct', 'diskFullPct', 'servers at or above this disk use take no copies (90)', real(0, 100)),
    core('max-dead-fraction', 'maxDeadFraction', 'pause re-replication above this dead fraction (0.5)', real(0, 1)),
    core('dead-out-ms', 'deadOutMs', 'a server dead this long no longer counts for the brake (600000)', int(1, 100 * DAY_MS)),
    core('max-full-report-leases', 'maxFullReportLeases', 'servers asked for a full chunk report at once (8)', int(1, 1_000_000)),
    core('full-report-interval-ms', 'fullReportIntervalMs', "a server's full report is asked for again this long after its last one (3600000)", int(1, 100 * DAY_MS)),
    core('safe-mode-max-ms', 'safeModeMaxMs', 'safe mode, waiting for every live server to report in full, ends this long after start at the latest (10 x safe mode)', int(0, 100 * DAY_MS)),
  ],
  defaults: () => defaultCoreConfig(),
  finish(config, given) {
    // Safe mode lasts one dead timeout of the settings chosen, unless told.
    if (!given.has('safe-mode-ms')) config.safeModeMs = deadTimeoutMs(config);
    // Its cap follows the safe mode in force, unless told.
    if (!given.has('safe-mode-max-ms')) config.safeModeMaxMs = defaultCoreConfig({ safeModeMs: config.safeModeMs }).safeModeMaxMs;
    if (config.safeModeMaxMs < config.safeModeMs) {
      throw new ConfigError(`--safe-mode-max-ms (${config.safeModeMaxMs}) is below --safe-mode-ms (${config.safeModeMs}): safe mode lasts at least safe-mode-ms`);
    }
  },
};
