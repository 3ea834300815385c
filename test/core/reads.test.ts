import fc from 'fast-check';
import t from 'tap';
import {
  type Master,
  type PageCursor,
  type Priority,
  type UnderReplicated,
  groupCount,
  replicationSummary,
  underReplicatedPage,
} from '../../src/core/index.js';
import { EXACT_SWEEP_BOUND } from '../../src/core/filing.js';
import { SWEEP_BATCH } from '../../src/core/sweeps.js';
import { beat, handles, newMaster, settle } from '../fixtures/master.js';

// Default timing: heartbeat 5000 ms, dead after 15000 ms.

/** Every page of the under-replicated list, `limit` entries at a time. */
function walk(master: Master, now: number, limit: number): { pages: UnderReplicated[][]; cursors: PageCursor[] } {
  const pages: UnderReplicated[][] = [];
  const cursors: PageCursor[] = [];
  let after: PageCursor | undefined;
  do {
    const page = underReplicatedPage(master, now, limit, after);
    pages.push(page.entries);
    after = page.next;
    if (after !== undefined) cursors.push(after);
  } while (after !== undefined && pages.length < 10_000);
  return { pages, cursors };
}

function countByPriority(entries: readonly UnderReplicated[]): Record<Priority, number> {
  const counts: Record<Priority, number> = { missing: 0, critical: 0, normal: 0 };
  for (const entry of entries) counts[entry.priority]++;
  return counts;
}

/** Three servers holding every chunk (target RF 3) and a spare; `big`, one of the three, dies at 15 s. */
function bigDeath(chunks: number): { master: Master; at: number } {
  const master = newMaster();
  const list = handles(chunks);
  for (const s of ['big', 'b', 'c']) beat(master, 0, s, { chunks: list });
  beat(master, 0, 'd', { chunks: [] });
  settle(master, 0);
  for (const s of ['b', 'c', 'd']) beat(master, 10_000, s);
  return { master, at: 15_000 };
}

t.test('a summary and a page right after a big death run no sweep work', async (t) => {
  const { master, at } = bigDeath(2 * EXACT_SWEEP_BOUND);
  const summary = replicationSummary(master, at);
  const page = underReplicatedPage(master, at, 100);
  t.equal(master.replicaCount('big'), 2 * EXACT_SWEEP_BOUND, "not one of the dead server's replicas was dropped");
  t.equal(master.nextDeadline(), at, 'the sweep is still due');
  t.equal(summary.replicasToSweep, 2 * EXACT_SWEEP_BOUND);
  t.equal(summary.exact, false, 'the counts lag while the sweep is under way');
  t.same(summary.servers, { alive: 3, dead: 1, draining: 0 });
  t.equal(summary.liveReplicas, 40_000, 'a dead server being swept counts 0 at once');
  t.same(summary.underReplicated, { missing: 0, critical: 0, normal: 0 }, 'no chunk is re-filed before the sweep reaches it');
  t.same(page, { entries: [], next: undefined });

  settle(master, at);
  const after = replicationSummary(master, at);
  t.equal(after.replicasToSweep, 0);
  t.equal(after.exact, true);
  t.same(after.underReplicated, { missing: 0, critical: 0, normal: 2 * EXACT_SWEEP_BOUND });
  t.same(after.underReplicated, countByPriority(master.checkReplication(at)), 'the totals are what the exact list counts');
});

t.test('a small death reads exactly from the call that notices it, and still runs no sweep', async (t) => {
  const { master, at } = bigDeath(EXACT_SWEEP_BOUND);
  const summary = replicationSummary(master, at);
  const pages = walk(master, at, 3000).pages;
  t.equal(master.replicaCount('big'), EXACT_SWEEP_BOUND, 'nothing swept');
  t.equal(summary.exact, true);
  t.same(summary.underReplicated, { missing: 0, critical: 0, normal: EXACT_SWEEP_BOUND });
  const exact = master.checkReplication(at);
  t.same(pages.flat(), exact, 'the pages are the exact list');
  t.same(pages.map((page) => page.length), [3000, 3000, 3000, 1000]);
});

t.test('a server back with liveness only while its old list is swept takes copies again once swept', async (t) => {
  const master = newMaster({ heartbeatIntervalMs: 1000, deadAfterMissed: 3 });
  beat(master, 0, 's1', { chunks: ['a', 'b'] });
  beat(master, 0, 's2', { chunks: ['a'] });
  beat(master, 0, 's3', { chunks: ['b', 'c'] });
  master.drainServer(0, 's3');
  beat(master, 2000, 's3');
  beat(master, 3500, 's1');
  t.equal(master.server(3500, 's1')?.chunks, 0, 'back, its old list being dropped');
  const summary = replicationSummary(master, 3500);
  const page = underReplicatedPage(master, 3500, 10);
  const exact = master.checkReplication(3500);
  t.same(exact.map((u) => [u.chunk, u.priority]), [['a', 'missing'], ['b', 'critical'], ['c', 'critical']], 's1 can take copies of b and c once swept');
  t.same(page.entries, exact);
  t.same(summary.underReplicated, countByPriority(exact));
  t.equal(summary.exact, true);
});

t.test('a drain under way reads exactly while its chunks are still to be re-filed', async (t) => {
  const master = newMaster({ replicationFactor: 2 });
  beat(master, 0, 's1', { chunks: ['a', 'b', 'c'] });
  beat(master, 0, 's2', { chunks: ['a', 'b'] });
  beat(master, 0, 's3', { chunks: [] });
  master.drainServer(0, 's2');
  t.equal(master.nextDeadline(), 0, 'the re-filing is still due');
  const summary = replicationSummary(master, 0);
  const page = underReplicatedPage(master, 0, 10);
  t.equal(summary.exact, true);
  t.same(summary.servers, { alive: 2, dead: 0, draining: 1 });
  const exact = master.checkReplication(0);
  t.same(exact.map((u) => u.chunk), ['a', 'b', 'c']);
  t.same(page.entries, exact);
  t.same(summary.underReplicated, countByPriority(exact));
});

t.test('during a big sweep, a page lists the chunks filed so far, each with its counts as they are', async (t) => {
  const master = newMaster();
  const list = handles(4 * EXACT_SWEEP_BOUND);
  beat(master, 0, 'big', { chunks: list });
  beat(master, 0, 'b', { chunks: list });
  beat(master, 0, 'c', { chunks: list.slice(0, 2 * EXACT_SWEEP_BOUND) });
  beat(master, 0, 'd', { chunks: [] });
  settle(master, 0);
  for (const s of ['b', 'c', 'd']) beat(master, 10_000, s);
  master.tick(15_000);
  const filed = replicationSummary(master, 15_000);
  t.equal(filed.replicasToSweep, 4 * EXACT_SWEEP_BOUND - SWEEP_BATCH, 'one batch swept');
  t.equal(filed.exact, false);
  const entries = walk(master, 15_000, 7000).pages.flat();
  const total = filed.underReplicated.missing + filed.underReplicated.critical + filed.underReplicated.normal;
  t.equal(entries.length, total, 'every filed chunk, once');
  t.equal(new Set(entries.map((entry) => entry.chunk)).size, entries.length, 'no entry twice');
  t.ok(total < 4 * EXACT_SWEEP_BOUND, 'chunks at target RF before the death are not filed until the sweep reaches them');
  settle(master, 15_000);
  const exact = new Map(master.checkReplication(15_000).map((entry) => [entry.chunk, entry]));
  t.equal(exact.size, 4 * EXACT_SWEEP_BOUND);
  t.ok(entries.every((entry) => JSON.stringify(entry) === JSON.stringify(exact.get(entry.chunk))), 'each listed with the counts the exact list gives it');
});

t.test('the summary counts by priority exactly what checkReplication() lists', async (t) => {
  const master = newMaster({ replicationFactor: 3 });
  beat(master, 0, 's1', { chunks: ['a', 'b', 'c', 'd', 'e'] });
  beat(master, 0, 's2', { chunks: ['b', 'c', 'e'] });
  beat(master, 0, 's3', { chunks: ['c', 'gone', 'e'] });
  beat(master, 0, 'd1', { chunks: ['only-draining'] });
  beat(master, 0, 's4', { chunks: ['e'] });
  master.drainServer(0, 'd1');
  for (const s of ['s1', 's2', 'd1', 's4']) beat(master, 10_000, s);
  settle(master, 15_000);
  const summary = replicationSummary(master, 15_000);
  const exact = master.checkReplication(15_000);
  t.same(summary.underReplicated, countByPriority(exact));
  t.same(summary.underReplicated, { missing: 1, critical: 3, normal: 2 });
  t.equal(summary.exact, true);
  t.same(summary.servers, { alive: 3, dead: 1, draining: 1 });
  t.equal(summary.liveReplicas, 5 + 3 + 1 + 1);
  t.equal(summary.pendingCopies, master.replicationState(15_000).pendingCopies);
  t.same(walk(master, 15_000, 2).pages.flat(), exact, 'pages of two walk the exact list in its order');
});

t.test('with fewer eligible servers than target RF, the totals are an upper bound, and say so', async (t) => {
  const master = newMaster();
  beat(master, 0, 's1', { chunks: ['a', 'b'] });
  beat(master, 0, 's2', { chunks: ['a'] });
  t.same(master.checkReplication(0).map((u) => u.chunk), ['b'], 'a is on both servers there are: nothing can help it');
  const two = replicationSummary(master, 0);
  t.same(two.underReplicated, { missing: 0, critical: 1, normal: 1 }, 'the queue has a below target RF as well');
  t.equal(two.exact, false);
  t.same(walk(master, 0, 10).pages.flat().map((u) => u.chunk), ['b'], 'the page leaves a out, as the exact list does');

  beat(master, 0, 's1', { disk: 95 });
  beat(master, 0, 's2', { health: 'read_only' });
  const none = replicationSummary(master, 0);
  t.same(master.checkReplication(0), [], 'no server can take a copy');
  t.same(none.underReplicated, { missing: 0, critical: 0, normal: 0 });
  t.equal(none.exact, true, 'with no eligible server, only missing chunks count, as in the list');
});

t.test('pages cut at group boundaries, and the last page has no cursor', async (t) => {
  const master = newMaster({ replicationFactor: 3 });
  beat(master, 0, 's1', { chunks: ['m1', 'm2', 'c1', 'c2', 'n1', 'n2'] });
  beat(master, 0, 's2', { chunks: ['c1', 'c2', 'n1', 'n2'] });
  beat(master, 0, 's3', { chunks: ['n1', 'n2'] });
  beat(master, 0, 's4', { chunks: [] });
  for (const s of ['s2', 's3', 's4']) beat(master, 10_000, s);
  settle(master, 15_000);
  const exact = master.checkReplication(15_000);
  t.same(exact.map((u) => u.chunk), ['m1', 'm2', 'c1', 'c2', 'n1', 'n2']);
  const { pages, cursors } = walk(master, 15_000, 2);
  t.same(pages, [exact.slice(0, 2), exact.slice(2, 4), exact.slice(4, 6)]);
  t.same(cursors.map((c) => c.chunk), ['m2', 'c2'], 'a full last page has no cursor: nothing comes after it');
  t.same(underReplicatedPage(master, 15_000, 6).next, undefined);
  t.same(underReplicatedPage(master, 15_000, 5).next, { group: 3, chunk: 'n1' });
  t.same(underReplicatedPage(master, 15_000, 10, { group: groupCount(3), chunk: 'x' }).entries, [], 'past the last group: nothing');
  t.same(underReplicatedPage(master, 15_000, 10, { group: 2, chunk: 'c1' }).entries.map((u) => u.chunk), ['c2', 'n1', 'n2']);
});

t.test('a walk lists every unchanged entry once, in order, while chunks change between pages', async (t) => {
  const master = newMaster();
  const list = handles(40);
  beat(master, 0, 's1', { chunks: list });
  beat(master, 0, 's2', { chunks: list.slice(0, 20) });
  beat(master, 0, 's3', { chunks: [] });
  const before = master.checkReplication(0);
  t.equal(before.length, 40);
  const seen: UnderReplicated[] = [];
  let page = underReplicatedPage(master, 0, 7);
  seen.push(...page.entries);
  // One chunk already listed is repaired, one still ahead too, and a new one turns up ahead of the cursor.
  beat(master, 0, 's3', { chunks: [seen[0]?.chunk as string, 'ch_9'] });
  beat(master, 0, 's2', { chunks: [...list.slice(0, 20), seen[0]?.chunk as string, 'zz_new'] });
  beat(master, 0, 's1', { chunks: [...list, 'zz_new'] });
  while (page.next !== undefined) {
    page = underReplicatedPage(master, 0, 7, page.next);
    seen.push(...page.entries);
  }
  const names = seen.map((u) => u.chunk);
  t.equal(new Set(names).size, names.length, 'no entry twice');
  t.notOk(names.includes('ch_9'), 'repaired before its page came: not listed');
  t.equal(names.filter((name) => name === seen[0]?.chunk).length, 1, 'repaired after its page: listed once, as it was');
  t.ok(names.includes('zz_new'), 'new ahead of the cursor: listed');
  const unchanged = before.filter((u) => u.chunk !== 'ch_9').map((u) => u.chunk);
  t.same(names.filter((name) => name !== 'zz_new'), unchanged, 'the rest, each once, in the order of the exact list');
  t.same(seen.slice(7), master.checkReplication(0).filter((u) => names.slice(7).includes(u.chunk)), 'later pages agree with the list as it is now');
});

const HANDLES = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];
const SERVERS = ['s0', 's1', 's2', 's3', 's4'];
const step = fc.oneof(
  fc.record({
    kind: fc.constant('beat' as const),
    server: fc.constantFrom(...SERVERS),
    chunks: fc.option(fc.subarray(HANDLES), { nil: undefined }),
    disk: fc.option(fc.constantFrom(10, 95), { nil: undefined }),
    health: fc.option(fc.constantFrom('healthy' as const, 'degraded' as const), { nil: undefined }),
    // Now and then a beat that comes back just as the server is declared dead.
    after: fc.oneof(fc.integer({ min: 0, max: 9000 }), fc.constant(15_000)),
  }),
  fc.record({ kind: fc.constant('drain' as const), server: fc.constantFrom(...SERVERS), after: fc.constant(0) }),
  fc.record({ kind: fc.constant('tick' as const), after: fc.integer({ min: 0, max: 20_000 }) }),
  // Time passing with no tick: the next call notices the deaths and leaves their sweeps due.
  fc.record({ kind: fc.constant('wait' as const), after: fc.integer({ min: 0, max: 20_000 }) }),
);

t.test('random fleets: pages walk the exact list and exact totals match it, sweeps under way or not', async (t) => {
  const later = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20_000 }));
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), later, (steps, limit, rf, readAfter) => {
      const master = newMaster({ replicationFactor: rf });
      let now = 0;
      for (const s of steps) {
        now += s.after;
        if (s.kind === 'beat') beat(master, now, s.server, { chunks: s.chunks, disk: s.disk, health: s.health });
        else if (s.kind === 'drain') master.drainServer(now, s.server);
        else if (s.kind === 'tick') master.tick(now);
      }
      // Read later, so the reads themselves may notice deaths: small sweeps still due are read exactly without being run.
      now += readAfter;
      const summary = replicationSummary(master, now);
      const pages = walk(master, now, limit).pages;
      const exact = master.checkReplication(now);
      if (JSON.stringify(pages.flat()) !== JSON.stringify(exact)) return false;
      if (JSON.stringify(walk(master, now, limit).pages.flat()) !== JSON.stringify(exact)) return false;
      if (pages.slice(0, -1).some((page) => page.length !== limit)) return false;
      const listed = countByPriority(exact);
      if (summary.exact) return JSON.stringify(summary.underReplicated) === JSON.stringify(listed);
      return summary.underReplicated.missing === listed.missing && summary.underReplicated.critical >= listed.critical && summary.underReplicated.normal >= listed.normal;
    }),
    { numRuns: 500 },
  );
  t.pass('500 random fleets');
});
