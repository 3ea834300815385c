import t from 'tap';
import { Master } from '../../src/core/index.js';

const DEAD_MS = 15_000;

t.test('a silent server dies at exactly its deadline and its replicas stop counting', async (t) => {
  const master = new Master(0);
  master.heartbeat(0, { server: 'cs1', chunks: ['a', 'b'] });
  master.heartbeat(1000, { server: 'cs2', chunks: ['a'] });
  t.equal(master.nextDeadline(), DEAD_MS);
  master.tick(DEAD_MS - 1);
  t.equal(master.server(DEAD_MS - 1, 'cs1')?.status, 'alive');
  master.tick(DEAD_MS + 500);
  const events = master.takeEvents();
  t.same(
    events.map((e) => e.type),
    ['server_alive', 'server_alive', 'server_dead'],
  );
  t.match(events[2], { server: 'cs1', at: DEAD_MS, lostReplicas: 2 });
  t.match(master.server(DEAD_MS + 500, 'cs1'), { status: 'dead', chunks: 0, lastHeartbeatMsAgo: DEAD_MS + 500, missedHeartbeats: 3 });
  t.same(master.chunkLocations(DEAD_MS + 500, 'a'), ['cs2']);
  t.same(master.takeEvents(), [], 'the outbox is emptied by takeEvents');
});

t.test('a heartbeat from a dead server revives it with the chunks it reports', async (t) => {
  const master = new Master(0);
  master.heartbeat(0, { server: 'cs1', chunks: ['a'] });
  master.tick(DEAD_MS);
  master.takeEvents();
  master.heartbeat(DEAD_MS + 10, { server: 'cs1', chunks: ['b'] });
  t.match(master.takeEvents(), [{ type: 'server_alive', server: 'cs1', revived: true }]);
  t.same(master.chunkLocations(DEAD_MS + 10, 'a'), []);
  t.same(master.chunkLocations(DEAD_MS + 10, 'b'), ['cs1']);
});

t.test('a full report replaces the last, duplicates collapse, a liveness-only heartbeat keeps it', async (t) => {
  const master = new Master(0);
  master.heartbeat(0, { server: 'cs1', chunks: ['a', 'b', 'a'] });
  t.equal(master.server(0, 'cs1')?.chunks, 2);
  master.heartbeat(1, { server: 'cs1', chunks: ['b', 'c'] });
  t.same(master.chunkLocations(1, 'a'), []);
  master.heartbeat(2, { server: 'cs1' });
  t.equal(master.server(2, 'cs1')?.chunks, 2);
  master.heartbeat(3, { server: 'cs1', chunks: ['b', 'c'] });
  t.same(master.chunkLocations(3, 'c'), ['cs1'], 'an unchanged report changes nothing');
  master.heartbeat(4, { server: 'cs1', chunks: [] });
  t.equal(master.server(4, 'cs1')?.chunks, 0);
});

t.test('time never runs backwards', async (t) => {
  const master = new Master(100);
  master.heartbeat(5000, { server: 'cs1' });
  master.heartbeat(10, { server: 'cs1' });
  t.equal(master.server(10, 'cs1')?.lastHeartbeatMsAgo, 0);
  t.equal(master.nextDeadline(), 5000 + DEAD_MS);
});

t.test('status lists servers in first-heartbeat order, filtered and verbose', async (t) => {
  const master = new Master(0);
  master.heartbeat(0, { server: 'z', diskUsagePct: 40, health: 'degraded' });
  master.heartbeat(0, { server: '__proto__' });
  master.tick(10_000);
  master.heartbeat(10_000, { server: '__proto__' });
  master.tick(DEAD_MS + 1);
  t.same(master.serverStatus(DEAD_MS + 1).map((v) => [v.server, v.status]), [['z', 'dead'], ['__proto__', 'alive']]);
  t.same(master.serverStatus(DEAD_MS + 1, 'alive').map((v) => v.server), ['__proto__']);
  t.match(master.server(DEAD_MS + 1, 'z'), { diskUsagePct: 40, health: 'degraded' });
  t.equal(master.server(0, 'nobody'), undefined);
  t.equal(master.drainServer(0, 'nobody'), undefined);
  t.equal(master.drainServer(DEAD_MS + 1, '__proto__')?.status, 'draining');
  t.equal(master.heartbeat(DEAD_MS + 2, { server: '__proto__' }).status, 'draining');
});

t.test('check_replication orders the most urgent first', async (t) => {
  const master = new Master(0, { replicationFactor: 2 });
  master.heartbeat(0, { server: 'cs1', chunks: ['b', 'a', 'c'] });
  master.heartbeat(0, { server: 'cs2', chunks: ['c', 'd'] });
  master.heartbeat(0, { server: 'cs3' });
  master.heartbeat(5000, { server: 'cs2' });
  master.heartbeat(5000, { server: 'cs3' });
  master.tick(DEAD_MS);
  const found = master.checkReplication(DEAD_MS);
  t.same(
    found.map((u) => [u.chunk, u.currentRf, u.priority]),
    [['a', 0, 'missing'], ['b', 0, 'missing'], ['c', 1, 'critical'], ['d', 1, 'critical']],
  );
  t.equal(found[0]?.targetRf, 2);
  const state = master.replicationState(DEAD_MS);
  t.match(state, { safeMode: false, safeModeRemainingMs: 0, brakeEngaged: false, pendingCopies: 0 });
  t.equal(state.underReplicated.length, 4);
});

t.test('a chunk wants no more replicas than servers could hold it', async (t) => {
  const master = new Master(0);
  master.heartbeat(0, { server: 'cs1', chunks: ['a'] });
  master.heartbeat(0, { server: 'cs2', chunks: ['a'], diskUsagePct: 95 });
  t.same(master.checkReplication(0), [], 'one eligible server: two replicas are enough');
  t.equal(master.replicationState(0).safeMode, true);
  t.equal(master.replicationState(0).safeModeRemainingMs, DEAD_MS);
});
