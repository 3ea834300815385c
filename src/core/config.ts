/** Settings the core's rules depend on; CONTRACT section 7 gives the defaults. */
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
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;
export const DEFAULT_DEAD_AFTER_MISSED = 3;

export function defaultCoreConfig(overrides: Partial<CoreConfig> = {}): CoreConfig {
  const heartbeatIntervalMs = overrides.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const deadAfterMissed = overrides.deadAfterMissed ?? DEFAULT_DEAD_AFTER_MISSED;
  return {
    heartbeatIntervalMs,
    deadAfterMissed,
    replicationFactor: 3,
    // Safe mode lasts one dead timeout by default: by then every live server has reported.
    safeModeMs: heartbeatIntervalMs * deadAfterMissed,
    maxReplicationStreams: 2,
    pendingTimeoutMs: 60000,
    diskFullPct: 90,
    maxDeadFraction: 0.5,
    deadOutMs: 600_000,
    ...overrides,
  };
}

export function deadTimeoutMs(config: CoreConfig): number {
  return config.heartbeatIntervalMs * config.deadAfterMissed;
}
