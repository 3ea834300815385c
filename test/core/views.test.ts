import t from 'tap';
import { beat, handles, newMaster, settle } from '../fixtures/master.js';

// Default core timing: heartbeat 5000 ms, dead after 15000 ms of silence.

/** a holds 3 chunks, b 2 and is drained, c holds 4 and falls silent after its first heartbeat. */
function cluster() {
  const master = newMaster();
  beat(master, 0, 'a', { chunks: handles(3, 'a_') });
  beat(master, 0, 'b', { chunks: handles(2, 'b_') });
  beat(master, 0, 'c', { chunks: handles(4, 'c_') });
  master.drainServer(0, 'b');
  for (const server of ['a', 'b']) beat(master, 10_000, server);
  return master;
}

t.test('stats count servers by status and replicas stored, live and still to sweep', async (t) => {
  const master = cluster();
  const before = master.stats();
  t.same(before.servers, { alive: 2, draining: 1, dead: 0, known: 3, out: 0 }, 'a draining server is alive and draining');
  t.equal(before.chunks, 9);
  t.same([before.replicas, before.liveReplicas, before.replicasToSweep], [9, 9, 0]);
  master.tick(15_000);
  const died = master.stats();
  t.same(died.servers, { alive: 1, draining: 1, dead: 1, known: 3, out: 0 });
  t.equal(died.liveReplicas, 5, 'a dead server\'s replicas no longer count; a draining one\'s still do');
  t.equal(died.replicas - died.liveReplicas, died.replicasToSweep, 'what does not count is what the sweep has left to drop');
  settle(master, 15_000);
  const swept = master.stats();
  t.same([swept.replicas, swept.liveReplicas, swept.replicasToSweep], [5, 5, 0]);
  t.equal(swept.serverSlots, 3);
});

t.test('a server\'s view: its status, chunks that count, and heartbeats missed since it was last heard', async (t) => {
  const master = cluster();
  // Every chunk has a single replica: a is the source of two copies and the target of two (two streams each way).
  t.same(master.server(12_499, 'a'), { server: 'a', status: 'alive', chunks: 3, lastHeartbeatMsAgo: 2499, diskUsagePct: null, health: 'healthy', missedHeartbeats: 0, instructions: { copiesOut: 2, copiesIn: 2, deletes: 0 } });
  t.equal(master.server(14_999.9, 'a')?.lastHeartbeatMsAgo, 4999, 'whole milliseconds, rounded down');
  t.equal(master.server(15_000, 'a')?.missedHeartbeats, 1);
  t.equal(master.server(15_000, 'b')?.status, 'draining');
  t.match(master.server(15_000, 'c'), { status: 'dead', chunks: 0, lastHeartbeatMsAgo: 15_000, missedHeartbeats: 3 }, 'a dead server\'s list is not trusted: it reads as 0 chunks');
  t.equal(master.server(15_000, 'nobody'), undefined);
});

t.test('a chunk\'s locations are its live holders in first-heartbeat order', async (t) => {
  const master = newMaster();
  for (const server of ['z', 'y', 'x']) beat(master, 0, server, { chunks: ['shared'] });
  t.same(master.chunkLocations(0, 'shared'), ['z', 'y', 'x'], 'not by id');
  beat(master, 10_000, 'z');
  beat(master, 10_000, 'x');
  master.tick(15_000);
  t.same(master.chunkLocations(15_000, 'shared'), ['z', 'x'], 'a dead holder is left out at once');
  t.same(master.chunkLocations(15_000, 'unknown'), []);
});
