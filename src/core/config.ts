/** Settings the core's rules depend on; CONTRACT sections 7 and 9 give the defaults. */
export interface CoreConfig {
  heartbeatIntervalMs: number;
  deadAfterMissed: number;
  replicationFactor: number;
  safeModeMs: number;
  maxReplicationStreams: number;
  pendingTimeoutMs: number;
  diskFullPct: number;
  maxDeadFraction: number;
  /** A server dead this long no longer counts for the mass-failure brake (Ceph's mon_osd_down_out_interval). */
  deadOutMs: number;
  /** Servers asked for a full chunk report at once (HDFS's block report leases). */
  maxFullReportLeases: number;
  /** A server's full report is asked for again this long after its last one. */
  fullReportIntervalMs: number;
  /** Safe mode, waiting for every live server's full report, ends this long after start at the latest. */
  safeModeMaxMs: number;
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;
export const DEFAULT_DEAD_AFTER_MISSED = 3;
/** safe_mode_max's default, in units of the safe mode in force. */
const SAFE_MODE_MAX_FACTOR = 10;

export function defaultCoreConfig(overrides: Partial<CoreConfig> = {}): CoreConfig {
  const heartbeatIntervalMs = overrides.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const deadAfterMissed = overrides.deadAfterMissed ?? DEFAULT_DEAD_AFTER_MISSED;
  // Safe mode lasts one dead timeout by default: by then every live server has heartbeated.
  const safeModeMs = overrides.safeModeMs ?? heartbeatIntervalMs * deadAfterMissed;
  return {
    heartbeatIntervalMs,
    deadAfterMissed,
    replicationFactor: 3,
    safeModeMs,
    maxReplicationStreams: 2,
    pendingTimeoutMs: 60000,
    diskFullPct: 90,
    maxDeadFraction: 0.5,
    deadOutMs: 600_000,
    maxFullReportLeases: 8,
    fullReportIntervalMs: 3_600_000,
    safeModeMaxMs: SAFE_MODE_MAX_FACTOR * safeModeMs,
    ...overrides,
  };
}

export function deadTimeoutMs(config: CoreConfig): number {
  return config.heartbeatIntervalMs * config.deadAfterMissed;
}
