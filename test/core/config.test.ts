import t from 'tap';
import { DEFAULT_DEAD_AFTER_MISSED, DEFAULT_HEARTBEAT_INTERVAL_MS, deadTimeoutMs, defaultCoreConfig } from '../../src/core/config.js';

t.test('the defaults are the contract\'s', async (t) => {
  t.same(defaultCoreConfig(), {
    heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
    deadAfterMissed: DEFAULT_DEAD_AFTER_MISSED,
    replicationFactor: 3,
    safeModeMs: 15_000,
    maxReplicationStreams: 2,
    pendingTimeoutMs: 60_000,
    diskFullPct: 90,
    maxDeadFraction: 0.5,
    deadOutMs: 600_000,
    maxFullReportLeases: 8,
    fullReportIntervalMs: 3_600_000,
    safeModeMaxMs: 150_000,
  });
  t.equal(deadTimeoutMs(defaultCoreConfig()), 15_000, 'three missed heartbeats of 5 s');
});

t.test('safe mode lasts one dead timeout unless told, following the timing it is given', async (t) => {
  const fast = defaultCoreConfig({ heartbeatIntervalMs: 100, deadAfterMissed: 4 });
  t.equal(fast.safeModeMs, 400);
  t.equal(deadTimeoutMs(fast), 400);
  t.equal(defaultCoreConfig({ heartbeatIntervalMs: 100, safeModeMs: 0 }).safeModeMs, 0, 'an override wins, 0 included');
  t.equal(defaultCoreConfig({ replicationFactor: 5 }).replicationFactor, 5);
  t.equal(defaultCoreConfig({ safeModeMs: 300 }).safeModeMaxMs, 3000, 'safe mode waits for reports at most ten times its minimum');
  t.equal(defaultCoreConfig({ safeModeMs: 300, safeModeMaxMs: 500 }).safeModeMaxMs, 500);
});
