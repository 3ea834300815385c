import t from 'tap';
import type { Master } from '../../src/core/index.js';
import type { Planner } from '../../src/core/planner.js';
import { ReplicaMap } from '../../src/core/replicas.js';
import { ReportApplier } from '../../src/core/reports.js';
import { handles, newMaster, settle } from '../fixtures/master.js';

// CONTRACT 9, split full reports: `chunks` plus `report: {id, part, parts}`.

function part(master: Master, now: number, server: string, id: string, at: number, parts: number, chunks: string[]) {
  return master.heartbeat(now, { server, chunks, report: { id, part: at, parts } });
}

function changes(master: Master, now: number, server: string, added: string[], removed: string[] = []) {
  return master.heartbeat(now, { server, chunksAdded: added, chunksRemoved: removed });
}

function held(master: Master, now: number, chunks: string[]): number[] {
  return chunks.map((chunk) => master.chunkLocations(now, chunk).length);
}

t.test('parts in any order: the list becomes their union when the last one arrives', async (t) => {
  const m = newMaster();
  m.heartbeat(0, { server: 'cs1', chunks: ['old', 'b'] });
  part(m, 1000, 'cs1', 'r1', 2, 3, ['e', 'f']);
  part(m, 1001, 'cs1', 'r1', 0, 3, ['a', 'b']);
  t.same(held(m, 1001, ['old', 'a', 'e']), [1, 0, 0], 'the old list stands until the report is complete');
  part(m, 1002, 'cs1', 'r1', 1, 3, ['c', 'd', 'b']);
  t.same(held(m, 1002, ['old', 'a', 'b', 'c', 'd', 'e', 'f']), [0, 1, 1, 1, 1, 1, 1]);
  t.equal(m.server(1002, 'cs1')?.chunks, 6, 'a handle in two parts counts once');
});

t.test('a big report in parts: thousands of handles never heard of before', async (t) => {
  const m = newMaster();
  const all = handles(5000);
  for (const at of [2, 0, 1]) part(m, at, 'cs1', 'big', at, 3, all.slice(at * 2000, (at + 1) * 2000));
  t.equal(m.server(2, 'cs1')?.chunks, 5000);
  t.equal(m.stats().chunks, 5000);
});

t.test('a part sent twice counts once; a one-part report is complete at once', async (t) => {
  const m = newMaster();
  part(m, 0, 'cs1', 'r1', 0, 2, ['a']);
  part(m, 1, 'cs1', 'r1', 0, 2, ['b']);
  t.equal(m.server(1, 'cs1')?.chunks, 0, 'still waiting for part 1');
  part(m, 2, 'cs1', 'r1', 1, 2, ['c']);
  t.same(held(m, 2, ['a', 'b', 'c']), [0, 1, 1], 'the later copy of part 0 is the one kept');
  part(m, 3, 'cs1', 'r2', 0, 1, ['z']);
  t.same(held(m, 3, ['b', 'c', 'z']), [0, 0, 1]);
});

t.test('incremental changes heard since the first part are applied again on top, in arrival order', async (t) => {
  const m = newMaster();
  m.heartbeat(0, { server: 'cs1', chunks: ['a', 'b', 'c'] });
  part(m, 1000, 'cs1', 'r1', 0, 2, ['a', 'b']);
  changes(m, 2000, 'cs1', ['n1', 'n2'], ['a']);
  t.same(held(m, 2000, ['a', 'n1']), [0, 1], 'meanwhile each change applies at once to the list in force');
  changes(m, 3000, 'cs1', ['n3'], ['n2']);
  changes(m, 3500, 'cs1', ['n2']);
  part(m, 4000, 'cs1', 'r1', 1, 2, ['c', 'n1', 'gone']);
  t.same(held(m, 4000, ['a', 'b', 'c', 'n1', 'n2', 'n3', 'gone']), [0, 1, 1, 1, 1, 1, 1], 'the union, then +n1 +n2 -a, +n3 -n2, +n2');
  changes(m, 4500, 'cs1', [], ['gone']);
  t.equal(m.server(4500, 'cs1')?.chunks, 5, 'and the list goes on from there');
});

t.test('a chunk in a part that a later change dropped never enters the map', async (t) => {
  const m = newMaster();
  m.heartbeat(0, { server: 'keep', chunks: ['k'] });
  part(m, 0, 'cs1', 'r1', 0, 2, ['a', 'k', 'brief']);
  changes(m, 1, 'cs1', [], ['brief']);
  m.takeEvents();
  part(m, 2, 'cs1', 'r1', 1, 2, ['b']);
  t.same(held(m, 2, ['a', 'b', 'k', 'brief']), [1, 1, 2, 0]);
  t.equal(m.stats().chunks, 3, 'its handle was let go again');
  t.same(m.takeEvents().filter((e) => e.type === 'chunks_missing'), [], 'nor is it told missing');
});

t.test('a part of a new id discards the unfinished report', async (t) => {
  const m = newMaster();
  part(m, 0, 'cs1', 'r1', 0, 2, ['a']);
  changes(m, 1, 'cs1', ['x']);
  part(m, 2, 'cs1', 'r2', 1, 2, ['c']);
  part(m, 3, 'cs1', 'r1', 1, 2, ['b']);
  t.same(held(m, 3, ['a', 'b', 'c', 'x']), [0, 0, 0, 1], "r1's part 1 starts r1 afresh; nothing completed");
  part(m, 4, 'cs1', 'r1', 0, 2, ['a']);
  t.same(held(m, 4, ['a', 'b', 'c', 'x']), [1, 1, 0, 0], 'r1 completes from its new parts; x, heard before them, is not applied again');
});

t.test('a part with another part count starts the report afresh', async (t) => {
  const m = newMaster();
  part(m, 0, 'cs1', 'r1', 0, 3, ['a']);
  part(m, 1, 'cs1', 'r1', 1, 2, ['b']);
  part(m, 2, 'cs1', 'r1', 2, 3, ['c']);
  t.equal(m.server(2, 'cs1')?.chunks, 0);
  part(m, 3, 'cs1', 'r1', 0, 3, ['a']);
  part(m, 4, 'cs1', 'r1', 1, 3, ['b']);
  t.same(held(m, 4, ['a', 'b', 'c']), [1, 1, 1]);
});

t.test('a part the protocol should have refused is ignored', async (t) => {
  const m = newMaster();
  part(m, 0, 'cs1', 'r1', 0, 2, ['a']);
  for (const [at, parts] of [[2, 2], [-1, 2], [0.5, 2], [0, 1.5]] as const) part(m, 1, 'cs1', 'r1', at, parts, ['bad']);
  part(m, 2, 'cs1', 'r1', 1, 2, ['b']);
  t.same(held(m, 2, ['a', 'b', 'bad']), [1, 1, 0]);
});

t.test('an unfinished report is dropped pending_timeout after its first part, at a deadline', async (t) => {
  const m = newMaster({ pendingTimeoutMs: 10_000 });
  m.heartbeat(0, { server: 'cs1', chunks: ['old'] });
  part(m, 1000, 'cs1', 'r1', 0, 2, ['a']);
  t.equal(m.nextDeadline(), 11_000, 'the report expires a timeout after its first part');
  for (let now = 5000; now <= 10_000; now += 5000) changes(m, now, 'cs1', []);
  settle(m, 11_000);
  t.equal(m.nextDeadline(), 25_000, 'only the liveness deadline is left');
  part(m, 11_000, 'cs1', 'r1', 1, 2, ['b']);
  t.same(held(m, 11_000, ['old', 'a', 'b']), [1, 0, 0], 'the late part starts a new report: the first one was dropped');
  part(m, 12_000, 'cs1', 'r1', 0, 2, ['a']);
  t.same(held(m, 12_000, ['old', 'a', 'b']), [0, 1, 1]);
});

t.test('many reports expire in the order they began, completed ones skipped', async (t) => {
  // Target RF 1: no copy planning adds deadlines of its own.
  const m = newMaster({ pendingTimeoutMs: 10_000, replicationFactor: 1 });
  const servers = handles(1500, 's');
  for (const [i, server] of servers.entries()) part(m, i, server, 'r', 0, 2, ['a']);
  part(m, 1500, 's0', 'r', 1, 2, ['b']);
  t.equal(m.nextDeadline(), 10_001, "s0's report is done: s1's is the oldest unfinished");
  for (const server of servers) changes(m, 9000, server, []);
  settle(m, 10_800);
  t.equal(m.nextDeadline(), 10_801);
  settle(m, 11_500);
  t.equal(m.nextDeadline(), 24_000, 'every unfinished report is gone');
  t.equal(m.chunkLocations(11_500, 'a').length, 1, 'only s0 completed its report');
});

t.test('a dead server\'s unfinished report is dropped with its list', async (t) => {
  const m = newMaster({ maxDeadFraction: 1 });
  part(m, 0, 'cs1', 'r1', 0, 2, ['a']);
  settle(m, 15_000);
  t.equal(m.server(15_000, 'cs1')?.status, 'dead');
  t.equal(m.nextDeadline(), 615_000, 'no report deadline is left');
  part(m, 16_000, 'cs1', 'r1', 1, 2, ['b']);
  t.equal(m.server(16_000, 'cs1')?.chunks, 0);
});

t.test('a split report from a server being reaped stops the reap, and its replicas count again', async (t) => {
  const m = newMaster();
  const big = handles(6000);
  m.heartbeat(0, { server: 'big', chunks: big });
  m.heartbeat(0, { server: 'keep', chunks: [] });
  m.heartbeat(10_000, { server: 'keep', chunks: [] });
  m.tick(15_000);
  part(m, 16_000, 'big', 'r1', 1, 2, big.slice(3000));
  t.equal(m.server(16_000, 'big')?.chunks, 0, 'still being reaped');
  part(m, 16_001, 'big', 'r1', 0, 2, big.slice(0, 3000));
  settle(m, 16_001);
  t.equal(m.server(16_001, 'big')?.chunks, 6000);
  t.same(m.checkReplication(16_001).slice(0, 1).map((u) => u.currentRf), [1], 'every chunk counts its one replica');
});

t.test('the first report after a restart may come in parts: incremental changes heard meanwhile apply at once and again', async (t) => {
  const m = newMaster();
  t.equal(changes(m, 0, 'cs1', ['a']).fullReport, true, 'a new core has no list');
  const first = part(m, 1, 'cs1', 'r1', 0, 2, ['b']);
  t.equal(first.fullReport, false, 'not asked again while its report is under way');
  t.equal(changes(m, 2, 'cs1', ['c']).fullReport, false);
  t.same(held(m, 2, ['a', 'b', 'c']), [1, 0, 1]);
  t.equal(part(m, 3, 'cs1', 'r1', 1, 2, ['d']).fullReport, false);
  t.same(held(m, 3, ['a', 'b', 'c', 'd']), [0, 1, 1, 1]);
});

t.test('the report stamps wrap around safely, even between the two a split report takes', async (t) => {
  const replicas = new ReplicaMap();
  const planner = { replicaAdded() {}, replicaRemoved() {}, touch() {} } as unknown as Planner;
  const applier = new ReportApplier(replicas, planner);
  const list = () => [...replicas.chunksOf(0)].map((id) => replicas.handleOf(id)).sort();
  applier.take(0, [['a', 'b']], [], false, 0);
  (applier as unknown as { epoch: number }).epoch = 0x7ffffffe;
  applier.take(0, [['b', 'c'], ['d']], [{ added: ['e'], removed: ['d'] }], false, 0);
  t.same(list(), ['b', 'c', 'e']);
  t.equal(replicas.idOf('d'), undefined, 'd, first heard in the report and dropped by a change, is let go');
  applier.take(0, [['c']], [], false, 0);
  t.same(list(), ['c']);
});
