import t from 'tap';
import { Master } from '../../src/core/index.js';
import { underReplicatedEntries } from '../../src/protocol/handlers.js';
import { ChunkmasterError } from '../../src/protocol/errors.js';
import { REPLICATION_PAGE_DEFAULT, replicationPage } from '../../src/protocol/replication-page.js';
import { beat, handles, newMaster } from '../fixtures/master.js';

/** Chunks on one server of two (target RF 3): every one under-replicated. */
function fleetOf(chunks: number): Master {
  const master = newMaster();
  beat(master, 0, 's1', { chunks: handles(chunks) });
  beat(master, 0, 's2', { chunks: [] });
  return master;
}

t.test('a page holds the first entries of check_replication, with totals and what holds copies back', async (t) => {
  const master = fleetOf(3);
  const page = replicationPage(master, 0, { limit: '2' });
  t.same(page.under_replicated, underReplicatedEntries(master.checkReplication(0)).slice(0, 2));
  t.type(page.next_after, 'string');
  t.same(page.totals, { missing: 0, critical: 3, normal: 0 }, 'totals count every page');
  t.equal(page.safe_mode, false);
  t.equal(page.brake_engaged, false);
  t.equal(page.sweep_replicas, 0);
  t.equal(page.pending_copies, master.stats().pendingCopies, 'the copy to s2 planned by its heartbeat');
});

t.test('pages follow one another through next_after, and the last has none', async (t) => {
  const master = fleetOf(5);
  const seen: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 10; pages++) {
    const page = replicationPage(master, 0, after === undefined ? { limit: '2' } : { limit: '2', after });
    seen.push(...page.under_replicated.map((entry) => entry.chunk));
    if (page.next_after === null) break;
    after = page.next_after;
  }
  t.same(seen, master.checkReplication(0).map((entry) => entry.chunk), 'every entry once, in order');
  t.equal(replicationPage(fleetOf(0), 0, {}).next_after, null, 'an empty list is one last page');
});

t.test(`without a limit a page holds ${REPLICATION_PAGE_DEFAULT} entries`, async (t) => {
  const page = replicationPage(fleetOf(REPLICATION_PAGE_DEFAULT + 1), 0, {});
  t.equal(page.under_replicated.length, REPLICATION_PAGE_DEFAULT);
  t.type(page.next_after, 'string');
});

t.test('safe mode is told with its remaining time in whole milliseconds, rounded up', async (t) => {
  const master = new Master(0, { safeModeMs: 1000 });
  const page = replicationPage(master, 0.5, {});
  t.equal(page.safe_mode, true);
  t.equal(page.safe_mode_remaining_ms, 1000);
  t.equal(replicationPage(master, 1000, {}).safe_mode_remaining_ms, 0);
});

t.test('a cursor this master could not have given is refused', async (t) => {
  const master = fleetOf(3);
  const group99 = Buffer.from('99.ch_0', 'utf8').toString('base64url');
  for (const after of ['AAAA', group99]) {
    t.throws(() => replicationPage(master, 0, { after }), new ChunkmasterError('NOT_A_CURSOR'), after);
  }
});
