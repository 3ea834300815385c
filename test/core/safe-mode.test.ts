import t from 'tap';
import { Master, defaultCoreConfig } from '../../src/core/index.js';
import { settle } from '../fixtures/master.js';

// CONTRACT 9, safe mode: at least safe_mode, until every live server has sent a full report since start, at most safe_mode_max.

const CONFIG = { safeModeMs: 15_000, safeModeMaxMs: 60_000 };

function exits(master: Master) {
  return master.takeEvents().filter((e) => e.type === 'safe_mode_exited');
}

function idle(master: Master, now: number, server: string) {
  return master.heartbeat(now, { server, chunksAdded: [] });
}

t.test('safe_mode_max defaults to ten times the safe mode in force', async (t) => {
  t.equal(defaultCoreConfig().safeModeMaxMs, 150_000);
  t.equal(defaultCoreConfig({ safeModeMs: 2000 }).safeModeMaxMs, 20_000);
  t.equal(defaultCoreConfig({ heartbeatIntervalMs: 1000 }).safeModeMaxMs, 30_000, 'the default safe mode follows the dead timeout');
  t.equal(defaultCoreConfig({ safeModeMs: 2000, safeModeMaxMs: 5000 }).safeModeMaxMs, 5000);
  t.same(defaultCoreConfig({ safeModeMs: 0 }).safeModeMaxMs, 0);
  const config = defaultCoreConfig();
  t.same([config.maxFullReportLeases, config.fullReportIntervalMs], [8, 3_600_000]);
});

t.test('with every server reported, safe mode ends at safe_mode, as it always did', async (t) => {
  const m = new Master(0, CONFIG);
  m.heartbeat(1000, { server: 's1', chunks: ['a'] });
  m.heartbeat(2000, { server: 's2', chunks: ['a'] });
  t.equal(m.nextDeadline(), 15_000);
  m.tick(15_000);
  t.same(exits(m), [{ type: 'safe_mode_exited', at: 15_000 }]);
  t.equal(m.replicationState(15_000).safeMode, false);
});

t.test('safe mode waits past safe_mode for the last live server to report, and ends with that report', async (t) => {
  const m = new Master(0, CONFIG);
  m.heartbeat(0, { server: 's1', chunks: ['a'] });
  idle(m, 0, 's2');
  for (const now of [5000, 10_000, 15_000, 20_000]) {
    m.heartbeat(now, { server: 's1' });
    idle(m, now, 's2');
  }
  settle(m, 20_000);
  t.same(exits(m), [], 's2 has sent no full report yet');
  const state = m.replicationState(20_000);
  t.same([state.safeMode, state.safeModeRemainingMs], [true, 40_000], 'past the minimum, the time left is what the cap allows');
  t.equal(m.nextDeadline(), 35_000, 'the next deadline is a liveness one: the cap is further off');
  const reply = m.heartbeat(22_000, { server: 's2', chunks: ['b'] });
  t.same(exits(m), [{ type: 'safe_mode_exited', at: 22_000 }], 'the report safe mode waited for ends it');
  t.equal(reply.fullReport, false);
  t.equal(m.replicationState(22_000).safeMode, false);
});

t.test('safe mode ends at safe_mode_max at the latest, at a deadline tick() honours', async (t) => {
  const m = new Master(0, CONFIG);
  for (let now = 0; now < 60_000; now += 5000) idle(m, now, 'silent');
  settle(m, 59_999);
  t.equal(m.replicationState(59_999).safeMode, true);
  t.equal(m.replicationState(59_999).safeModeRemainingMs, 1);
  t.equal(m.nextDeadline(), 60_000);
  m.tick(60_000);
  t.same(exits(m), [{ type: 'safe_mode_exited', at: 60_000 }]);
  t.equal(m.replicationState(60_000).safeModeRemainingMs, 0);
});

t.test('a server that reported counts as reported after it dies and returns; an unreported one stops holding safe mode when it dies', async (t) => {
  const m = new Master(0, { ...CONFIG, maxDeadFraction: 1 });
  m.heartbeat(0, { server: 'reported', chunks: ['a'] });
  idle(m, 1000, 'never');
  settle(m, 15_000);
  t.same(exits(m), [], 'reported is dead at 15000, never still alive');
  idle(m, 15_500, 'reported');
  settle(m, 16_000);
  t.same(exits(m), [{ type: 'safe_mode_exited', at: 16_000 }], 'the silent server died at 16000: nobody live is awaited');
});

t.test('a new server keeps safe mode waiting; a split report counts as a full report', async (t) => {
  const m = new Master(0, CONFIG);
  m.heartbeat(0, { server: 's1', chunks: [] });
  m.heartbeat(14_000, { server: 's1', chunks: [] });
  idle(m, 14_000, 's2');
  m.tick(15_000);
  t.same(exits(m), []);
  m.heartbeat(16_000, { server: 's2', chunks: ['a'], report: { id: 'r', part: 1, parts: 2 } });
  t.same(exits(m), [], 'half a report is no report');
  m.heartbeat(17_000, { server: 's2', chunks: ['b'], report: { id: 'r', part: 0, parts: 2 } });
  t.same(exits(m), [{ type: 'safe_mode_exited', at: 17_000 }]);
});

t.test('no instruction is given while safe mode waits for reports', async (t) => {
  const m = new Master(0, CONFIG);
  for (const s of ['s1', 's2', 's3', 's4']) m.heartbeat(0, { server: s, chunks: ['x'] });
  idle(m, 0, 'late');
  let deletes = 0;
  for (let now = 5000; now <= 20_000; now += 5000) {
    for (const s of ['s1', 's2', 's3', 's4']) deletes += m.heartbeat(now, { server: s }).chunksToDelete.length;
    idle(m, now, 'late');
  }
  t.equal(deletes, 0, 'x has one replica too many, but safe mode lasts');
  m.heartbeat(21_000, { server: 'late', chunks: [] });
  for (const s of ['s1', 's2', 's3', 's4']) deletes += m.heartbeat(21_000, { server: s }).chunksToDelete.length;
  t.equal(deletes, 1, 'once it ends the excess goes');
});

t.test('safe_mode 0 keeps safe mode off, whatever has reported', async (t) => {
  const m = new Master(0, { safeModeMs: 0 });
  idle(m, 0, 's1');
  t.same(m.replicationState(0).safeMode, false);
  t.equal(m.nextDeadline(), 15_000);
  t.same(exits(m), []);
});

t.test('a cap below the minimum does not cut safe mode short', async (t) => {
  const m = new Master(0, { safeModeMs: 15_000, safeModeMaxMs: 5000 });
  idle(m, 0, 's1');
  m.tick(5000);
  t.equal(m.replicationState(5000).safeMode, true);
  m.tick(15_000);
  t.same(exits(m), [{ type: 'safe_mode_exited', at: 15_000 }]);
});
