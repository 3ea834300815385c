import t from 'tap';
import { Master } from '../../src/core/index.js';
import { settle } from '../fixtures/master.js';

const T0 = 1_000;

function statusOf(master: Master, now: number, id: string) {
  return master.server(now, id)?.status;
}

/** Liveness events only: replication events (safe mode, brake) are tested with the planner. */
function livenessEvents(master: Master) {
  return master.takeEvents().filter((e) => e.type === 'server_alive' || e.type === 'server_dead');
}

t.test('a first heartbeat registers a server as alive with its chunks', async (t) => {
  const master = new Master(T0);
  const reply = master.heartbeat(T0, { server: 'cs1', chunks: ['ch_001', 'ch_005', 'ch_012'], diskUsagePct: 45 });
  t.same(reply, { status: 'alive', chunksToDelete: [], chunksToReplicate: [], fullReport: false });
  t.same(master.serverStatus(T0 + 2000), [
    { server: 'cs1', status: 'alive', chunks: 3, lastHeartbeatMsAgo: 2000, diskUsagePct: 45, health: 'healthy', missedHeartbeats: 0, instructions: { copiesOut: 0, copiesIn: 0, deletes: 0 } },
  ]);
  t.same(livenessEvents(master), [{ type: 'server_alive', server: 'cs1', at: T0, revived: false }]);
  t.same(master.takeEvents(), [], 'events are taken once');
});

t.test('several servers are listed in first-heartbeat order and share chunks', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0, { server: 'cs2', chunks: ['a', 'b'] });
  master.heartbeat(T0 + 1, { server: 'cs1', chunks: ['b', 'c'] });
  master.heartbeat(T0 + 2, { server: 'cs3', chunks: ['b'] });
  t.same(master.serverStatus(T0 + 2).map((s) => s.server), ['cs2', 'cs1', 'cs3']);
  t.same(master.chunkLocations(T0 + 2, 'b'), ['cs2', 'cs1', 'cs3']);
  t.same(master.chunkLocations(T0 + 2, 'a'), ['cs2']);
  t.same(master.chunkLocations(T0 + 2, 'nope'), []);
  t.equal(master.stats().replicas, 5);
});

t.test('a re-report replaces the chunk list as a diff; duplicates collapse', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0, { server: 'cs1', chunks: ['a', 'b', 'c'] });
  master.heartbeat(T0 + 10, { server: 'cs1', chunks: ['b', 'c', 'c', 'd', 'b'] });
  t.equal(master.server(T0 + 10, 'cs1')?.chunks, 3);
  t.same(master.chunkLocations(T0 + 10, 'a'), []);
  t.same(master.chunkLocations(T0 + 10, 'd'), ['cs1']);
  master.heartbeat(T0 + 20, { server: 'cs1', chunks: ['d', 'c', 'b'] });
  t.equal(master.server(T0 + 20, 'cs1')?.chunks, 3, 'identical set in another order changes nothing');
  master.heartbeat(T0 + 30, { server: 'cs1', chunks: [] });
  t.equal(master.server(T0 + 30, 'cs1')?.chunks, 0, 'an empty list empties the server');
  t.equal(master.stats().replicas, 0);
});

t.test('a liveness-only heartbeat keeps the last chunk list and other fields', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0, { server: 'cs1', chunks: ['a', 'b'], diskUsagePct: 30, health: 'degraded' });
  master.heartbeat(T0 + 5000, { server: 'cs1' });
  const view = master.server(T0 + 5000, 'cs1');
  t.equal(view?.chunks, 2);
  t.equal(view?.diskUsagePct, 30);
  t.equal(view?.health, 'degraded');
  t.equal(view?.lastHeartbeatMsAgo, 0);
});

t.test('a server dies at exactly 3 missed heartbeats, on tick with no other input', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0, { server: 'cs1', chunks: ['a'] });
  master.takeEvents();
  t.equal(master.nextDeadline(), T0 + 15_000);
  master.tick(T0 + 14_999);
  t.equal(statusOf(master, T0 + 14_999, 'cs1'), 'alive', 'still alive 1 ms before the deadline');
  t.equal(master.server(T0 + 14_999, 'cs1')?.missedHeartbeats, 2);
  master.tick(T0 + 15_000);
  t.same(livenessEvents(master), [{ type: 'server_dead', server: 'cs1', at: T0 + 15_000, lostReplicas: 1 }]);
  const view = master.server(T0 + 15_000, 'cs1');
  t.equal(view?.status, 'dead');
  t.equal(view?.chunks, 0, 'a dead server counts no replicas');
  t.equal(view?.missedHeartbeats, 3);
  t.same(master.chunkLocations(T0 + 15_000, 'a'), []);
  settle(master, T0 + 15_000);
  t.equal(master.nextDeadline(), T0 + 15_000 + 600_000, 'nothing left to watch but the dead-out moment');
  settle(master, T0 + 615_000);
  t.same(livenessEvents(master), [], 'dead-out is no liveness change');
  t.equal(master.nextDeadline(), undefined, 'nothing left to watch');
});

t.test('a late tick records the death at the deadline, not at the tick', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0, { server: 'cs1' });
  master.takeEvents();
  const status = master.serverStatus(T0 + 40_000);
  t.equal(status[0]?.status, 'dead', 'queries apply due deadlines first');
  t.equal(status[0]?.lastHeartbeatMsAgo, 40_000);
  t.same(livenessEvents(master), [{ type: 'server_dead', server: 'cs1', at: T0 + 15_000, lostReplicas: 0 }]);
});

t.test('each heartbeat pushes the deadline back', async (t) => {
  const master = new Master(T0);
  for (let i = 0; i <= 10; i++) master.heartbeat(T0 + i * 14_000, { server: 'cs1' });
  t.equal(statusOf(master, T0 + 10 * 14_000 + 14_999, 'cs1'), 'alive');
  t.equal(master.nextDeadline(), T0 + 10 * 14_000 + 15_000);
  t.same(livenessEvents(master).map((e) => e.type), ['server_alive']);
});

t.test('a heartbeat from a dead server revives it with the chunks it reports', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0, { server: 'cs1', chunks: ['a', 'b'] });
  master.tick(T0 + 15_000);
  master.takeEvents();
  master.heartbeat(T0 + 20_000, { server: 'cs1', chunks: ['b', 'c'] });
  t.same(livenessEvents(master), [{ type: 'server_alive', server: 'cs1', at: T0 + 20_000, revived: true }]);
  t.equal(statusOf(master, T0 + 20_000, 'cs1'), 'alive');
  t.same(master.chunkLocations(T0 + 20_000, 'a'), []);
  t.same(master.chunkLocations(T0 + 20_000, 'c'), ['cs1']);
});

t.test('a liveness-only heartbeat revives a dead server with no chunks', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0, { server: 'cs1', chunks: ['a'] });
  master.tick(T0 + 20_000);
  master.heartbeat(T0 + 21_000, { server: 'cs1' });
  const view = master.server(T0 + 21_000, 'cs1');
  t.equal(view?.status, 'alive');
  t.equal(view?.chunks, 0, 'its old replicas were dropped at death; only a full report restores them');
});

t.test('time is monotonic: a clock going backwards changes nothing', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0 + 10_000, { server: 'cs1' });
  master.heartbeat(T0, { server: 'cs2' });
  const [cs1, cs2] = master.serverStatus(T0);
  t.equal(cs1?.lastHeartbeatMsAgo, 0);
  t.equal(cs2?.lastHeartbeatMsAgo, 0, 'the early timestamp was clamped to the latest seen');
  t.equal(statusOf(master, T0 + 10_000 + 14_999, 'cs2'), 'alive', 'its deadline runs from the clamped time');
  t.equal(statusOf(master, T0 + 10_000 + 15_000, 'cs2'), 'dead');
});

t.test('settings change the deadline', async (t) => {
  const master = new Master(0, { heartbeatIntervalMs: 100, deadAfterMissed: 5 });
  master.heartbeat(0, { server: 'cs1' });
  master.tick(499);
  t.equal(statusOf(master, 499, 'cs1'), 'alive');
  master.tick(500);
  t.equal(statusOf(master, 500, 'cs1'), 'dead');
});

t.test('hostile ids and handles are plain data', async (t) => {
  const master = new Master(T0);
  const ids = ['__proto__', 'constructor', 'hasOwnProperty', '🚀', 'x'.repeat(256), 'toString'];
  for (const id of ids) master.heartbeat(T0, { server: id, chunks: ids });
  t.same(master.serverStatus(T0).map((s) => s.server), ids);
  for (const id of ids) t.same(master.chunkLocations(T0, id), ids, `locations of ${id.slice(0, 12)}`);
  t.equal(({} as Record<string, unknown>)['polluted'], undefined);
  t.equal(Object.getPrototypeOf({}), Object.prototype);
});

t.test('status filter and unknown servers', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0, { server: 'a' });
  master.heartbeat(T0 + 10_000, { server: 'b' });
  t.same(master.serverStatus(T0 + 16_000, 'dead').map((s) => s.server), ['a']);
  t.same(master.serverStatus(T0 + 16_000, 'alive').map((s) => s.server), ['b']);
  t.equal(master.server(T0, 'zzz'), undefined);
  t.equal(master.stats().servers.alive, 1);
});

t.test('disk use is null until reported', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0, { server: 'cs1' });
  t.equal(master.server(T0, 'cs1')?.diskUsagePct, null);
  t.equal(master.replicationState(T0).safeModeRemainingMs, 15_000, 'safe mode runs from the start time');
});

t.test('many chunk ids grow the report stamps', async (t) => {
  const master = new Master(T0);
  const handles = Array.from({ length: 5000 }, (_, i) => `ch_${i}`);
  master.heartbeat(T0, { server: 'cs1', chunks: handles });
  master.heartbeat(T0, { server: 'cs2', chunks: handles.slice(2500) });
  master.heartbeat(T0 + 1, { server: 'cs1', chunks: handles.slice(0, 10) });
  t.equal(master.server(T0 + 1, 'cs1')?.chunks, 10);
  t.equal(master.server(T0 + 1, 'cs2')?.chunks, 2500);
  t.equal(master.stats().replicas, 2510);
});

t.test('replication state: safe mode after start, brake when most servers are dead', async (t) => {
  const master = new Master(T0);
  const early = master.replicationState(T0 + 5000);
  t.equal(early.safeMode, true);
  t.equal(early.safeModeRemainingMs, 10_000);
  t.equal(early.brakeEngaged, false, 'no servers, no brake');
  master.heartbeat(T0 + 5000, { server: 'a', chunks: ['x'] });
  master.heartbeat(T0 + 5000, { server: 'b', chunks: ['x'] });
  master.heartbeat(T0 + 10_000, { server: 'c', chunks: ['y'] });
  const later = master.replicationState(T0 + 21_000);
  t.equal(later.safeMode, false);
  t.equal(later.safeModeRemainingMs, 0);
  t.equal(later.brakeEngaged, true, 'two of three dead is above half');
  t.same(master.checkReplication(T0 + 21_000).map((u) => [u.chunk, u.priority]), [['x', 'missing']]);
});

t.test('drained, degraded and full servers cannot take copies', async (t) => {
  const master = new Master(T0);
  master.heartbeat(T0, { server: 'a', chunks: ['x'] });
  master.heartbeat(T0, { server: 'b', health: 'degraded' });
  master.heartbeat(T0, { server: 'c', diskUsagePct: 95 });
  master.heartbeat(T0, { server: 'd' });
  t.equal(master.checkReplication(T0).length, 1, 'd can take a copy');
  t.equal(master.drainServer(T0, 'd')?.status, 'draining');
  t.equal(master.drainServer(T0, 'nobody'), undefined);
  t.same(master.checkReplication(T0), [], 'nobody else is eligible, so one replica is all there can be');
});

t.test('replication state leaves a dead server\'s sweep to the ticks; the under-replicated list finishes it', async (t) => {
  const master = new Master(0, { safeModeMs: 0 });
  const chunks = Array.from({ length: 20_000 }, (_, i) => `ch_${i}`);
  master.heartbeat(0, { server: 'big', chunks });
  // Past the per-turn budget, the report is applied in steps, as a driver ticks.
  settle(master, 0);
  master.heartbeat(10_000, { server: 'small' });
  const state = master.replicationState(15_000);
  t.equal(state.brakeEngaged, false, 'one of two dead is not above half');
  t.equal(master.nextDeadline(), 15_000, 'sweep work is still due: a probe did not do it all at once');
  t.equal(master.checkReplication(15_000).length, 20_000, 'every chunk of the dead server is missing');
  t.not(master.nextDeadline(), 15_000, 'the list could only be exact once the sweep was done');
});

t.test('stats() and replicaCount() read what the master holds and apply no deadline', async (t) => {
  const master = new Master(T0, { safeModeMs: 0, maxDeadFraction: 1, deadOutMs: 20_000 });
  master.heartbeat(T0, { server: 'a', chunks: ['x', 'y'] });
  master.heartbeat(T0, { server: 'b', chunks: ['x'] });
  master.heartbeat(T0, { server: 'c', chunks: ['x', 'z'] });
  master.heartbeat(T0, { server: 'd', chunks: ['x'] });
  master.heartbeat(T0, { server: 'e', chunks: Array.from({ length: 3000 }, (_, i) => `e_${i}`) });
  master.drainServer(T0, 'c');
  t.same(master.stats(), {
    servers: { alive: 4, dead: 0, draining: 1, known: 5, out: 0 },
    serverSlots: 5,
    chunks: 3003,
    replicas: 3006,
    liveReplicas: 3006,
    replicasToSweep: 0,
    pendingCopies: 0,
    pendingDeletes: 0,
    queued: { missing: 0, under: 3002, excess: 1 },
  }, "x is held four times; y, z and e's chunks once each, c's drain not yet re-filed");

  for (const server of ['a', 'b', 'c', 'd']) master.heartbeat(T0 + 10_000, { server });
  t.equal(master.stats().servers.dead, 0, 'reading the stats notices no death');
  master.tick(T0 + 15_000);
  const during = master.stats();
  t.same(during.servers, { alive: 3, dead: 1, draining: 1, known: 5, out: 0 });
  t.same([during.replicas, during.liveReplicas, during.replicasToSweep], [506, 6, 500], 'one sweep batch of e dropped, the rest stored and not counted');
  t.same(during.queued, { missing: 2500, under: 502, excess: 1 }, 'the chunks not swept yet stay filed as they were');
  const state = master.replicationState(T0 + 15_000);
  t.same([during.pendingCopies, during.pendingDeletes], [state.pendingCopies, state.pendingDeletes]);
  t.equal(master.replicaCount('e'), 500, "a dead server's replicas are stored until swept");
  t.equal(master.replicaCount('a'), 2);
  t.equal(master.replicaCount('nobody'), 0);

  settle(master, T0 + 15_000);
  for (const at of [T0 + 20_000, T0 + 30_000]) for (const server of ['a', 'b', 'c', 'd']) master.heartbeat(at, { server });
  master.tick(T0 + 35_000);
  t.same(master.stats().servers, { alive: 3, dead: 1, draining: 1, known: 5, out: 1 }, 'dead past dead_out');
  t.equal(master.forgetServer(T0 + 35_000, 'e'), 'forgotten');
  const after = master.stats();
  t.same([after.servers.known, after.servers.out, after.serverSlots, after.chunks], [4, 0, 5, 3], "e's slot waits for reuse; its chunks are freed");
});
