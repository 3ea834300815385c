import t from 'tap';
import type { CoreEvent, Master } from '../../src/core/index.js';
import type { Planner } from '../../src/core/planner.js';
import { ReplicaMap } from '../../src/core/replicas.js';
import { ReportApplier } from '../../src/core/reports.js';
import { handles, newMaster, settle } from '../fixtures/master.js';

// CONTRACT 9, incremental reports: chunks_added / chunks_removed on top of the master's list.

function changes(master: Master, now: number, server: string, added: string[] = [], removed: string[] = []) {
  return master.heartbeat(now, { server, chunksAdded: added, chunksRemoved: removed });
}

function full(master: Master, now: number, server: string, chunks: string[]) {
  return master.heartbeat(now, { server, chunks });
}

function eventsOf<T extends CoreEvent['type']>(master: Master, type: T): Extract<CoreEvent, { type: T }>[] {
  return master.takeEvents().filter((e): e is Extract<CoreEvent, { type: T }> => e.type === type);
}

t.test('gains and losses are applied on top of the last full list', async (t) => {
  const m = newMaster();
  full(m, 0, 'cs1', ['a', 'b', 'c']);
  const reply = changes(m, 5000, 'cs1', ['d', 'e'], ['a']);
  t.same(reply, { status: 'alive', chunksToDelete: [], chunksToReplicate: [], fullReport: false }, 'a known list: no full report asked');
  t.equal(m.server(5000, 'cs1')?.chunks, 4);
  t.same(m.chunkLocations(5000, 'a'), []);
  t.same(m.chunkLocations(5000, 'd'), ['cs1']);
  changes(m, 10_000, 'cs1', [], ['b', 'c']);
  t.equal(m.replicaCount('cs1'), 2, 'd and e are left');
  changes(m, 15_000, 'cs1', ['d'], []);
  t.equal(m.replicaCount('cs1'), 2, 'a gain already known changes nothing');
  changes(m, 20_000, 'cs1', [], ['never-heard-of']);
  t.equal(m.stats().chunks, 5, 'a loss of an unknown handle interns nothing');
  m.heartbeat(25_000, { server: 'cs1', chunksRemoved: ['d'] });
  m.heartbeat(25_000, { server: 'cs1', chunksAdded: ['f'] });
  t.same(['d', 'e', 'f'].map((h) => m.chunkLocations(25_000, h).length), [0, 1, 1], 'either field alone is an incremental report');
});

t.test('a handle both gained and lost in one report ends up not held', async (t) => {
  const m = newMaster();
  full(m, 0, 'cs1', ['a']);
  changes(m, 1, 'cs1', ['a', 'b'], ['a', 'b']);
  t.same([m.chunkLocations(1, 'a'), m.chunkLocations(1, 'b')], [[], []]);
});

t.test('an incremental report from a server with no list is applied as far as it goes, and a full report is asked', async (t) => {
  const m = newMaster();
  const first = changes(m, 0, 'cs1', ['a', 'b'], ['z']);
  t.equal(first.fullReport, true, 'first contact: the master asks for the full list');
  t.equal(m.server(0, 'cs1')?.chunks, 2, 'the gains count meanwhile');
  t.equal(changes(m, 5000, 'cs1', ['c']).fullReport, true, 'asked again until it reports');
  t.equal(m.replicaCount('cs1'), 3);
  const reported = full(m, 10_000, 'cs1', ['a', 'c', 'd']);
  t.equal(reported.fullReport, false, 'the full report settles it');
  t.same(['a', 'b', 'c', 'd'].map((h) => m.chunkLocations(10_000, h).length), [1, 0, 1, 1], 'the full list replaces what the gains built');
  t.equal(changes(m, 15_000, 'cs1', ['e']).fullReport, false);
});

t.test('a liveness-only first heartbeat is asked for the list too: the master has none', async (t) => {
  const m = newMaster();
  t.equal(m.heartbeat(0, { server: 'cs1' }).fullReport, true);
  t.equal(m.heartbeat(0, { server: 'cs2', chunks: [] }).fullReport, false, 'an empty full list is a list');
});

t.test('incremental reports settle copies and deletes like full ones', async (t) => {
  const m = newMaster();
  for (const server of ['s1', 's2', 's3']) full(m, 0, server, server === 's1' ? ['x', 'y'] : ['y']);
  full(m, 0, 's4', ['y']);
  const source = full(m, 1000, 's1', ['x', 'y']);
  t.equal(source.chunksToReplicate.length, 2, 'x is copied to two others');
  const targets = source.chunksToReplicate.map((copy) => copy.target);
  t.equal(m.replicationState(1000).pendingCopies, 2);
  for (const target of targets) changes(m, 2000, target, ['x']);
  t.equal(m.replicationState(2000).pendingCopies, 0, "the targets' gains confirm the copies");
  const deleter = ['s1', 's2', 's3', 's4'].find((s) => m.heartbeat(3000, { server: s }).chunksToDelete.includes('y'));
  t.ok(deleter !== undefined, 'the excess y is deleted somewhere');
  t.equal(m.replicationState(3000).pendingDeletes, 1);
  changes(m, 4000, deleter as string, [], ['y']);
  t.equal(m.replicationState(4000).pendingDeletes, 0, "the holder's loss confirms the delete");
  t.equal(m.chunkLocations(4000, 'y').length, 3);
});

t.test('a chunk losing its last replica to an incremental report is told once, as missing', async (t) => {
  const m = newMaster();
  full(m, 0, 'cs1', ['a', 'b']);
  m.takeEvents();
  changes(m, 1000, 'cs1', [], ['a']);
  t.same(eventsOf(m, 'chunks_missing'), [{ type: 'chunks_missing', at: 1000, count: 1, examples: ['a'] }]);
  t.same(m.checkReplication(1000).map((u) => [u.chunk, u.priority]), [['a', 'missing']]);
});

t.test('a dead server back with incremental reports counts nothing until its full report, which it is asked for', async (t) => {
  const m = newMaster();
  full(m, 0, 'keep', ['a']);
  full(m, 0, 'cs1', ['a', 'b', 'c']);
  full(m, 10_000, 'keep', ['a']);
  settle(m, 16_000);
  t.equal(m.server(16_000, 'cs1')?.status, 'dead');
  t.equal(m.replicaCount('cs1'), 0, 'its replicas were reaped');
  const back = changes(m, 17_000, 'cs1', ['d'], ['a']);
  t.same([back.status, back.fullReport], ['alive', true], 'revived, and asked for its list');
  t.equal(m.server(17_000, 'cs1')?.chunks, 0, 'its gains are set aside: its old list was dropped at its death');
  t.same(m.chunkLocations(17_000, 'd'), []);
  t.equal(changes(m, 22_000, 'cs1', ['e']).fullReport, true);
  full(m, 23_000, 'cs1', ['b', 'd', 'e']);
  t.equal(m.server(23_000, 'cs1')?.chunks, 3, 'the full report counts');
  t.equal(changes(m, 28_000, 'cs1', ['f']).fullReport, false);
  t.equal(m.replicaCount('cs1'), 4, 'and incremental reports apply again');
});

/** A 6,000-chunk server dead at 15 s, its reap begun (one sweep batch done), beside a live one. */
function bigServerBeingReaped() {
  const m = newMaster();
  const big = handles(6000);
  full(m, 0, 'big', big);
  full(m, 0, 'keep', []);
  full(m, 10_000, 'keep', []);
  m.tick(15_000);
  return { m, big };
}

t.test('a server back before its reap is done stays uncounted through incremental reports', async (t) => {
  const { m, big } = bigServerBeingReaped();
  t.ok(m.replicaCount('big') > 0, 'a sweep batch left some of its replicas stored');
  changes(m, 16_000, 'big', ['new'], [big[0] as string]);
  t.equal(m.server(16_000, 'big')?.chunks, 0);
  settle(m, 16_000);
  t.equal(m.replicaCount('big'), 0, 'the reap runs to its end');
  t.same(m.chunkLocations(16_000, 'new'), []);
});

t.test('a full report from a server being reaped stops the reap; later incremental reports apply', async (t) => {
  const { m, big } = bigServerBeingReaped();
  full(m, 16_000, 'big', big.slice(0, 10));
  changes(m, 17_000, 'big', ['x']);
  settle(m, 17_000);
  t.equal(m.server(17_000, 'big')?.chunks, 11);
});

t.test('a drained server keeps its list current through incremental reports', async (t) => {
  const m = newMaster();
  for (const server of ['s1', 's2', 's3', 's4']) full(m, 0, server, ['a']);
  m.drainServer(0, 's4');
  changes(m, 1000, 's4', ['b'], ['a']);
  t.equal(m.server(1000, 's4')?.chunks, 1);
  t.same(m.chunkLocations(1000, 'b'), ['s4']);
  t.same(m.checkReplication(1000).map((u) => [u.chunk, u.currentRf]), [['b', 0]], "a draining server's replica does not count towards target RF");
});

t.test('a server that only ever sent incremental reports can die and be forgotten', async (t) => {
  const m = newMaster({ maxDeadFraction: 1 });
  changes(m, 0, 'cs1', ['a', 'b']);
  full(m, 0, 'keep', ['b']);
  full(m, 10_000, 'keep', ['b']);
  settle(m, 16_000);
  t.equal(m.forgetServer(16_000, 'cs1'), 'forgotten');
  const forgotten = m.takeEvents().find((e) => e.type === 'server_forgotten');
  t.match(forgotten, { server: 'cs1', chunksFreed: 1 }, 'a, held by it alone, is freed');
  const again = changes(m, 17_000, 'cs1', ['c']);
  t.equal(again.fullReport, true, 'a later heartbeat registers it anew, with no list');
  t.equal(m.server(17_000, 'cs1')?.chunks, 1, 'a new server: its gains are applied as far as they go');
});

/** A planner that records what it is told; the applier needs nothing else of it. */
function recordingPlanner(): { planner: Planner; told: string[] } {
  const told: string[] = [];
  const planner = {
    replicaAdded: (server: number, chunk: number) => told.push(`+${server}:${chunk}`),
    replicaRemoved: (server: number, chunk: number) => told.push(`-${server}:${chunk}`),
    touch: (chunk: number) => told.push(`~${chunk}`),
  } as unknown as Planner;
  return { planner, told };
}

/** A replica map that refuses to walk a server's list: an incremental report must never need to. */
class NoWalks extends ReplicaMap {
  override chunksOf(server: number): Iterable<number> {
    throw new Error(`walked server ${server}'s list`);
  }
}

t.test('an incremental report costs what it changes: the server\'s list is never walked', async (t) => {
  const replicas = new NoWalks();
  const { planner, told } = recordingPlanner();
  const applier = new ReportApplier(replicas, planner);
  for (const handle of handles(10_000)) replicas.add(0, replicas.intern(handle));
  applier.applyChanges(0, { added: ['new1', 'new2'], removed: ['ch_5', 'ch_5', 'unknown'] }, 0);
  t.equal(replicas.countOf(0), 10_001);
  t.same(told, ['+0:10000', '+0:10001', '-0:5'], 'the planner hears of each change, once');
  t.throws(() => applier.take(0, [['ch_1']], [], false, 0), /walked/, 'whereas a full report that drops chunks walks it');
});
