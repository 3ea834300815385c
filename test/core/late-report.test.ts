import t from 'tap';
import type { Leadership } from '../../src/core/index.js';
import { newMaster, settle } from '../fixtures/master.js';

// Found by the simulator: `chunkmaster simulate --seed 46 --servers 30 --chunks 1500 --minutes 30 --report mixed
// --masters 3`. A new leader waited only for the servers live when it took over, and for those that joined
// while it still waited. A server it heard from later (first seen, or back from the dead in its view) was
// never waited for, though its full report can be as old as a delete the old leader handed it: the new
// leader counted that replica and deleted another. The wait is per server, for the whole term.

const FOLLOWER: Leadership = { role: 'follower', epoch: 7, leader: 'http://m2', until: 0 };
const LEADER: Leadership = { role: 'leader', epoch: 8, leader: 'http://m1', until: 10_000_000 };

function fourCopies(silent: string) {
  const master = newMaster({ replicationFactor: 3 });
  master.setLeadership(0, FOLLOWER);
  for (const server of ['s1', 's2', 's3', 's4']) if (server !== silent) master.heartbeat(0, { server, chunks: ['x'], diskUsagePct: 50 });
  settle(master, 0);
  const deletes: string[] = [];
  const beat = (now: number, server: string, extra: object = {}) => {
    settle(master, now);
    const reply = master.heartbeat(now, { server, diskUsagePct: server === 's1' ? 10 : 50, ...extra });
    deletes.push(...reply.chunksToDelete.map((chunk) => `${server}:${chunk}`));
  };
  return { master, deletes, beat };
}

t.test('a server first heard after the wait ended is waited for until its heartbeat after its report', async (t) => {
  const { master, deletes, beat } = fourCopies('s1');
  master.setLeadership(10_000, LEADER);
  for (const server of ['s2', 's3', 's4']) beat(11_000, server, { chunks: ['x'] });
  for (const server of ['s2', 's3', 's4']) beat(12_000, server);
  // s1, told by the old leader to delete x, began its report before it did.
  beat(13_000, 's1', { chunks: ['x'] });
  for (let now = 14_000; now <= 16_000; now += 1000) for (const server of ['s2', 's3', 's4']) beat(now, server);
  t.same(deletes, [], 'no delete of x while s1 may have deleted its copy since its report began');
  beat(17_000, 's1', { chunksRemoved: ['x'] });
  t.same(master.chunkLocations(17_000, 'x').sort(), ['s2', 's3', 's4'], 'its next heartbeat says it did');
});

t.test('a server back from the dead in the new leader\'s view is waited for again', async (t) => {
  const { master, deletes, beat } = fourCopies('');
  master.setLeadership(10_000, LEADER);
  for (let now = 11_000; now <= 40_000; now += 1000) for (const server of ['s2', 's3', 's4']) beat(now, server, now === 11_000 ? { chunks: ['x'] } : {});
  t.same(master.serverStatus(40_000).find((server) => server.server === 's1')?.status, 'dead', 's1 fell silent and died');
  beat(41_000, 's1', { chunks: ['x'] });
  for (let now = 42_000; now <= 44_000; now += 1000) for (const server of ['s2', 's3', 's4']) beat(now, server);
  t.same(deletes, [], 'no delete on the report of a server that came back');
  beat(45_000, 's1', { chunksRemoved: ['x'] });
  for (let now = 46_000; now <= 48_000; now += 1000) for (const server of ['s2', 's3', 's4']) beat(now, server);
  t.same(master.chunkLocations(48_000, 'x').sort(), ['s2', 's3', 's4'], 'x kept its three copies');
  t.same(deletes, [], 'and none is deleted');
});

t.test('with no group, a late server holds no delete back', async (t) => {
  const master = newMaster({ replicationFactor: 3 });
  for (const server of ['s2', 's3', 's4']) master.heartbeat(0, { server, chunks: ['x'], diskUsagePct: 50 });
  master.heartbeat(1000, { server: 's1', chunks: ['x'], diskUsagePct: 10 });
  const deletes: string[] = [];
  for (let now = 2000; now <= 4000; now += 1000) {
    for (const server of ['s1', 's2', 's3', 's4']) {
      settle(master, now);
      deletes.push(...master.heartbeat(now, { server, diskUsagePct: 50 }).chunksToDelete);
    }
  }
  t.same(deletes, ['x'], 'the excess copy is deleted at once');
});
