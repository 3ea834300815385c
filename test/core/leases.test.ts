import t from 'tap';
import type { CoreConfig, Master } from '../../src/core/index.js';
import { handles, newMaster } from '../fixtures/master.js';

// CONTRACT 9, asking for reports: full_report under max_full_report_leases, longest unreported first.

function idle(master: Master, now: number, server: string): boolean {
  return master.heartbeat(now, { server, chunksAdded: [], chunksRemoved: [] }).fullReport;
}

function full(master: Master, now: number, server: string, chunks: string[] = ['c']): boolean {
  return master.heartbeat(now, { server, chunks }).fullReport;
}

interface Storm {
  /** Servers in the order they were first asked. */
  order: string[];
  /** The most servers asked and not yet reported at any one time. */
  mostAtOnce: number;
  /** When the last full report came in. */
  doneAt: number;
}

/**
 * A fleet that heartbeats every 5 s (server i at offset i) with incremental
 * reports, and sends its full list on the heartbeat after it is asked.
 */
function storm(config: Partial<CoreConfig>, servers: readonly string[], rounds: number): Storm {
  const m = newMaster(config);
  const asked = new Set<string>();
  const reported = new Set<string>();
  const result: Storm = { order: [], mostAtOnce: 0, doneAt: -1 };
  for (let round = 0; round < rounds; round++) {
    for (const [i, server] of servers.entries()) {
      const now = round * 5000 + i;
      const sendsList = asked.has(server);
      const ask = sendsList ? full(m, now, server) : idle(m, now, server);
      if (sendsList) {
        asked.delete(server);
        reported.add(server);
        result.doneAt = now;
      }
      if (ask && !asked.has(server)) {
        if (!result.order.includes(server)) result.order.push(server);
        asked.add(server);
      }
      result.mostAtOnce = Math.max(result.mostAtOnce, asked.size);
    }
  }
  return result;
}

t.test('a restart storm: at most max_full_report_leases are asked at once, in the order they were first heard', async (t) => {
  const servers = handles(10, 's');
  const result = storm({ maxFullReportLeases: 3 }, servers, 6);
  t.same(result.order, servers, 'every server is asked, the longest unreported first');
  t.equal(result.mostAtOnce, 3, 'never more than the cap');
  t.equal(result.doneAt, 4 * 5000 + 9, 'four rounds of three, each asked the heartbeat after a lease is free');
  const wide = storm({}, handles(20, 's'), 3);
  t.equal(wide.mostAtOnce, 8, 'the default cap is 8');
});

t.test('an asked server is asked on every reply until it reports; one that does not loses its turn to the next', async (t) => {
  const m = newMaster({ maxFullReportLeases: 1, pendingTimeoutMs: 10_000 });
  t.equal(idle(m, 0, 's0'), true);
  t.equal(idle(m, 1, 's1'), false, 'the one lease is taken');
  t.equal(idle(m, 5000, 's0'), true, 'asked again: the reply may have been lost');
  t.equal(idle(m, 5001, 's1'), false);
  t.equal(idle(m, 10_000, 's0'), false, 'a timeout after the ask, its lease is lost');
  t.equal(idle(m, 10_001, 's1'), true, 'and goes to the next in line');
  t.equal(idle(m, 15_000, 's0'), false, 'the server that lost its turn waits behind');
  t.equal(full(m, 15_001, 's1'), false);
  t.equal(idle(m, 20_000, 's0'), true, 'its turn comes again once the lease is free');
  t.equal(full(m, 20_001, 's0'), false);
});

t.test('a lease waits for no server: one that is not answered (its heartbeats refused) is passed over', async (t) => {
  const m = newMaster({ maxFullReportLeases: 1, pendingTimeoutMs: 10_000 });
  m.keepAlive(0, 's0');
  t.equal(idle(m, 1, 's1'), true, 's0 waited longer, but within pending_timeout of it the first one heard is asked');
  t.equal(idle(m, 2, 's0'), false, 'the lease is taken');
});

t.test('beyond pending_timeout of the longest waiting, a server waits for it', async (t) => {
  const m = newMaster({ maxFullReportLeases: 1, fullReportIntervalMs: 10_000, pendingTimeoutMs: 5000 });
  full(m, 0, 'a');
  full(m, 20_000, 'b');
  m.keepAlive(25_000, 'a');
  t.equal(idle(m, 31_000, 'b'), false, 'a fell due 20 s before b: the free lease is not for b');
  t.equal(idle(m, 31_001, 'a'), true);
  t.equal(full(m, 31_002, 'a'), false);
  t.equal(idle(m, 31_003, 'b'), true, 'then b');
});

t.test('a dead server gives its lease back', async (t) => {
  const m = newMaster({ maxFullReportLeases: 1, maxDeadFraction: 1 });
  t.equal(idle(m, 0, 's0'), true);
  for (const now of [1, 5001, 10_001]) t.equal(idle(m, now, 's1'), false);
  t.equal(idle(m, 15_001, 's1'), true, 's0 died at 15000');
  t.equal(idle(m, 16_000, 's0'), false, 'back, it queues behind s1');
});

t.test('a split report under way holds its lease for as long as the report may take', async (t) => {
  const m = newMaster({ maxFullReportLeases: 1, pendingTimeoutMs: 10_000 });
  t.equal(idle(m, 0, 's0'), true);
  t.equal(idle(m, 1, 's1'), false);
  t.equal(m.heartbeat(9000, { server: 's0', chunks: ['a'], report: { id: 'r', part: 0, parts: 2 } }).fullReport, false, 'not asked while reporting');
  t.equal(idle(m, 12_000, 's1'), false, 'the lease lasts a timeout from the first part');
  t.equal(idle(m, 12_001, 's0'), false);
  t.equal(m.heartbeat(13_000, { server: 's0', chunks: ['b'], report: { id: 'r', part: 1, parts: 2 } }).fullReport, false);
  t.equal(idle(m, 13_001, 's1'), true, 'the report is complete: the lease is free');
});

t.test('a split report that expires loses its lease with it', async (t) => {
  const m = newMaster({ maxFullReportLeases: 1, pendingTimeoutMs: 10_000 });
  t.equal(idle(m, 0, 's0'), true);
  m.heartbeat(2000, { server: 's0', chunks: ['a'], report: { id: 'r', part: 0, parts: 2 } });
  t.equal(idle(m, 11_999, 's1'), false);
  t.equal(idle(m, 12_000, 's1'), true);
  t.equal(idle(m, 12_001, 's0'), false);
});

t.test('a full report is asked again full_report_interval after the last one; a server that always sends one is never asked', async (t) => {
  const m = newMaster({ fullReportIntervalMs: 60_000 });
  full(m, 0, 'inc');
  full(m, 0, 'seed');
  const asks: number[] = [];
  for (let now = 5000; now <= 130_000; now += 5000) {
    if (full(m, now, 'seed')) asks.push(-now);
    const listDue = asks.length > 0 && asks[asks.length - 1] === now - 5000;
    if (listDue ? full(m, now, 'inc') : idle(m, now, 'inc')) asks.push(now);
  }
  t.same(asks, [60_000, 125_000], 'asked at the interval, then an interval after the report it sent');
});

t.test('a server due for its periodic report that does not send it loses its turn too', async (t) => {
  const m = newMaster({ maxFullReportLeases: 1, fullReportIntervalMs: 10_000, pendingTimeoutMs: 5000 });
  full(m, 0, 'a');
  full(m, 1, 'b');
  t.equal(idle(m, 10_000, 'a'), true);
  t.equal(idle(m, 10_001, 'b'), false);
  t.equal(idle(m, 15_000, 'a'), false, 'its lease is lost a timeout after the ask');
  t.equal(idle(m, 15_001, 'b'), true);
  t.equal(full(m, 15_002, 'b'), false);
  t.equal(idle(m, 15_003, 'a'), false, 'it had its turn: it is due again a timeout after losing it');
  t.equal(idle(m, 20_000, 'a'), true);
});

t.test('servers with no list go first, then the oldest last report', async (t) => {
  const m = newMaster({ maxFullReportLeases: 1, fullReportIntervalMs: 10_000 });
  full(m, 0, 'a');
  full(m, 1000, 'b');
  t.equal(idle(m, 12_000, 'b'), true, 'b fell due within pending_timeout of a: heard first, it is asked first');
  t.equal(idle(m, 12_001, 'a'), false);
  t.equal(idle(m, 12_002, 'c'), false, 'a newcomer waits for the lease');
  t.equal(full(m, 13_000, 'b'), false);
  t.equal(idle(m, 13_001, 'a'), false, 'the freed lease goes to c, which has no list at all');
  t.equal(idle(m, 13_002, 'c'), true);
  t.equal(full(m, 14_000, 'c'), false);
  t.equal(idle(m, 14_001, 'a'), true, 'then a');
});

t.test('an unasked full report is applied and frees the lease it did not need', async (t) => {
  const m = newMaster({ maxFullReportLeases: 1 });
  t.equal(idle(m, 0, 's0'), true);
  t.equal(idle(m, 1, 's1'), false);
  t.equal(full(m, 2, 's1', ['x']), false, 'an unasked report is welcome');
  t.same(m.chunkLocations(2, 'x'), ['s1']);
  t.equal(idle(m, 3, 's0'), true, 's0 keeps its lease');
  t.equal(full(m, 4, 's0', ['x']), false);
  t.same(m.chunkLocations(4, 'x'), ['s0', 's1']);
  t.equal(idle(m, 5, 's1'), false, 'nobody is left to ask');
});
