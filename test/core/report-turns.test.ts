import t from 'tap';
import { NEW_HANDLE_WORK } from '../../src/core/report-job.js';
import { REPORT_BATCH } from '../../src/core/reports.js';
import { beat, handles, newMaster, settle } from '../fixtures/master.js';

// Once the I/O layer tells the core of its event loop's turns, what a turn's heartbeats apply at once is bounded in work too.

t.test('told of turns, what is applied at once shares a budget of work per turn; what is left of a report goes first in the queue', async (t) => {
  const m = newMaster();
  // Short enough to fit the budget twice over even as all-new handles.
  const small = Math.floor(REPORT_BATCH / (2 * (NEW_HANDLE_WORK + 2))) - 10;
  // Fits a fresh budget as new handles, not what two smalls leave of one.
  const middle = 3 * small;
  m.newTurn();
  beat(m, 0, 'a', { chunks: handles(small, 'a') });
  beat(m, 0, 'b', { chunks: handles(small, 'b') });
  t.same([m.replicaCount('a'), m.replicaCount('b')], [small, small], 'two that surely fit are applied in their heartbeats');
  beat(m, 0, 'c', { chunks: handles(middle, 'c') });
  t.ok(m.replicaCount('c') < middle, `the third is applied only as far as the budget goes (${m.replicaCount('c')})`);
  t.ok(m.stats().chunks > 2 * small, 'it was begun: some of its handles are in');
  t.equal(m.nextDeadline(), 0, 'and the rest is due now, in a step');
  m.newTurn();
  beat(m, 0, 'd', { chunks: handles(middle, 'd') });
  t.equal(m.replicaCount('d'), 0, 'one that does not surely fit waits while another is part-done');
  beat(m, 0, 'e', { chunks: handles(10, 'e') });
  t.equal(m.replicaCount('e'), 10, 'one that surely fits is applied even so');
  settle(m, 0);
  t.same(['c', 'd'].map((server) => m.replicaCount(server)), [middle, middle], 'the steps finish the rest, in order');
  t.same(m.chunkLocations(0, `c${middle - 1}`), ['c']);
  t.equal(m.stats().chunks, 2 * small + 2 * middle + 10, 'every handle interned once, none lost');
  m.newTurn();
  beat(m, 0, 'h', { chunks: handles(REPORT_BATCH + 1, 'h') });
  m.tick(0);
  beat(m, 0, 'f', { chunks: handles(small, 'f') });
  t.equal(m.replicaCount('f'), 0, "the steps' own work counts against the turn they run in");
  settle(m, 0);
  m.newTurn();
  beat(m, 0, 'g', { chunks: handles(small, 'g') });
  t.equal(m.replicaCount('g'), small, 'a new turn opens a new budget');
  beat(m, 0, 'b', { chunks: handles(small, 'b') });
  t.equal(m.server(0, 'b')?.chunks, small, 'an unchanged report spends none: it is matched at once');
});

t.test('told of turns, a report of REPORT_BATCH new handles is spread over turns, never more than a budget of work in one', async (t) => {
  const m = newMaster();
  m.newTurn();
  beat(m, 0, 'big', { chunks: handles(REPORT_BATCH, 'n') });
  t.ok(m.replicaCount('big') < REPORT_BATCH, 'not whole in its heartbeat');
  const perTurn = Math.ceil(REPORT_BATCH / NEW_HANDLE_WORK);
  t.ok(m.stats().chunks <= perTurn, `no more new handles in its turn than the budget holds (${m.stats().chunks})`);
  let turns = 0;
  for (let before = m.stats().chunks; m.nextDeadline() === 0; turns++, before = m.stats().chunks) {
    m.newTurn();
    m.tick(0);
    t.ok(m.stats().chunks - before <= perTurn, `turn ${turns}: ${m.stats().chunks - before} new handles`);
  }
  t.ok(turns >= 3, `the rest took ${turns} more turns`);
  t.equal(m.replicaCount('big'), REPORT_BATCH);
  t.same(m.chunkLocations(0, `n${REPORT_BATCH - 1}`), ['big']);
});

t.test('a report begun in its heartbeat and left part-done is cancelled cleanly when its server goes', async (t) => {
  const m = newMaster({ maxDeadFraction: 1 });
  beat(m, 0, 'stays', { chunks: ['shared'] });
  m.newTurn();
  beat(m, 1, 'goes', { chunks: ['shared', ...handles(REPORT_BATCH / 2, 'g')] });
  t.ok(m.stats().chunks > 1 && m.replicaCount('goes') === 0, 'begun, not done');
  beat(m, 1, 'later', { chunks: handles(REPORT_BATCH / 2, 'l') });
  for (const now of [5000, 10_000]) {
    beat(m, now, 'stays');
    beat(m, now, 'later');
  }
  m.tick(16_000);
  t.equal(m.server(16_000, 'goes')?.status, 'dead');
  settle(m, 16_000);
  t.equal(m.replicaCount('later'), REPORT_BATCH / 2, 'the report behind it is applied in full');
  t.same(m.chunkLocations(16_000, 'shared'), ['stays']);
  t.equal(m.stats().chunks, 1 + REPORT_BATCH / 2, "what the dead server's report interned is let go");
});

t.test('a report begun in its heartbeat and left part-done starts over when a server is forgotten', async (t) => {
  const m = newMaster({ maxDeadFraction: 1, replicationFactor: 1 });
  beat(m, 0, 'gone', { chunks: ['orphan'] });
  for (const now of [5000, 10_000]) beat(m, now, 'big');
  m.tick(15_000);
  m.newTurn();
  beat(m, 15_000, 'big', { chunks: ['orphan', ...handles(REPORT_BATCH - 1)] });
  t.ok(m.replicaCount('big') === 0 && m.stats().chunks > 2, 'begun in its heartbeat, not done');
  t.equal(m.forgetServer(15_000, 'gone'), 'forgotten', 'orphan is freed');
  m.newTurn();
  beat(m, 15_001, 'newcomer', { chunks: ['fresh'] });
  settle(m, 15_001);
  t.same(m.chunkLocations(15_001, 'orphan'), ['big'], 'orphan is known again, held by big');
  t.same(m.chunkLocations(15_001, 'fresh'), ['newcomer'], "the newcomer's chunk is its own");
  t.equal(m.replicaCount('big'), REPORT_BATCH);
});
