import t from 'tap';
import type { Master } from '../../src/core/index.js';
import { EXACT_SWEEP_BOUND, filingOf } from '../../src/core/filing.js';
import { beat, handles, newMaster, settle } from '../fixtures/master.js';

// Default core timing: heartbeat 5000 ms, dead after 15000 ms; target RF 3, so groups are [missing, 0, 1, 2 counted].

/** a, b and c hold `chunks` chunks each, d none; c falls silent after its first heartbeat and dies at 15 s. */
function deathOfC(chunks: number): Master {
  const master = newMaster();
  // Settled after each, as a driver would: long reports applied together wait for a step.
  for (const server of ['a', 'b', 'c']) {
    beat(master, 0, server, { chunks: handles(chunks) });
    settle(master, 0);
  }
  beat(master, 0, 'd', { chunks: [] });
  for (const server of ['a', 'b', 'd']) beat(master, 10_000, server);
  return master;
}

const filing = (master: Master, now: number) => filingOf(master.readView(now), master.config.diskFullPct);

t.test('chunks a reap has not reached are filed by their census as if it were done', async (t) => {
  const master = deathOfC(4);
  const found = filing(master, 15_000);
  t.equal(found.settled, true);
  t.same(found.filedSizes, [0, 0, 0, 0], 'the queue has not heard of the death yet');
  t.same(found.sizes, [0, 0, 0, 4], 'every chunk now has 2 counted replicas');
  t.same([...found.moved.values()], [3, 3, 3, 3]);
  t.equal(found.arriving[3]?.length, 4);
  t.equal(found.eligible, 3, 'a, b and d');
  settle(master, 15_000);
  const swept = filing(master, 15_000);
  t.same([swept.filedSizes, swept.sizes, swept.moved.size], [[0, 0, 0, 4], [0, 0, 0, 4], 0], 'once swept, the queue is filed as it should be');
});

t.test('a server back with liveness only while it is reaped counts as eligible once swept', async (t) => {
  const master = deathOfC(4);
  master.readView(15_000);
  beat(master, 15_001, 'c');
  t.equal(master.readView(15_001).census.eligibleCount(), 3, 'not yet: its old list is still being dropped');
  t.equal(filing(master, 15_001).eligible, 4);
});

t.test(`past ${EXACT_SWEEP_BOUND} replicas of pending sweep work, the reads take the queue as filed`, async (t) => {
  const master = deathOfC(EXACT_SWEEP_BOUND + 1);
  const found = filing(master, 15_000);
  t.equal(found.settled, false);
  t.same(found.sizes, found.filedSizes);
  t.equal(found.moved.size, 0);
});
