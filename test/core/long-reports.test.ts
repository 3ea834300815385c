import t from 'tap';
import { PackedHandles } from '../../src/core/packed.js';
import type { Planner } from '../../src/core/planner.js';
import { ReplicaMap } from '../../src/core/replicas.js';
import { NEW_HANDLE_WORK, ReportJob, Stamps } from '../../src/core/report-job.js';
import { REPORT_BATCH, UNCHANGED_AT_ONCE } from '../../src/core/reports.js';
import { beat, handles, newMaster, settle } from '../fixtures/master.js';

// A full report longer than REPORT_BATCH is written into the map in steps from tick(), never in one go.

const LONG = 2 * REPORT_BATCH + 500;

t.test('a long report is applied in steps of REPORT_BATCH from tick()', async (t) => {
  const m = newMaster();
  const list = handles(LONG);
  t.equal(beat(m, 0, 'big', { chunks: list }).fullReport, false, 'the report is taken, and nothing more asked');
  t.equal(m.replicaCount('big'), 0, 'nothing written in the heartbeat itself');
  t.equal(m.nextDeadline(), 0, 'work is due now');
  m.tick(0);
  const afterOne = m.replicaCount('big');
  t.ok(afterOne < LONG, `one tick writes part of it (${afterOne})`);
  t.equal(beat(m, 0, 'big').fullReport, false, 'not asked again while its report is being applied');
  const ticks = settle(m, 0);
  t.ok(ticks >= 2, `the rest took ${ticks} more ticks`);
  t.equal(m.replicaCount('big'), LONG);
  t.same(m.chunkLocations(0, `ch_${LONG - 1}`), ['big']);
  t.ok((m.nextDeadline() as number) > 0, 'nothing is due now once it is done');
});

t.test('an unchanged report longer than REPORT_BATCH is taken at once up to UNCHANGED_AT_ONCE, in steps past it', async (t) => {
  const m = newMaster();
  for (const [server, size] of [['refresh', UNCHANGED_AT_ONCE], ['huge', UNCHANGED_AT_ONCE + 1]] as const) {
    beat(m, 0, server, { chunks: handles(size, `${server}_`) });
    settle(m, 0);
    t.equal(m.replicaCount(server), size, `${server}: ${size} handles, applied in steps the first time`);
  }
  beat(m, 1, 'refresh', { chunks: handles(UNCHANGED_AT_ONCE, 'refresh_') });
  t.notOk(m.nextDeadline() === 1, 'the same list again is checked in the heartbeat: nothing left for tick()');
  beat(m, 2, 'huge', { chunks: handles(UNCHANGED_AT_ONCE + 1, 'huge_') });
  t.equal(m.nextDeadline(), 2, 'a longer one, unchanged or not, is left to tick()');
  settle(m, 2);
  t.equal(m.replicaCount('huge'), UNCHANGED_AT_ONCE + 1);
});

t.test('changes heard while a long report waits are applied after it, in order', async (t) => {
  const m = newMaster();
  beat(m, 0, 'big', { chunks: handles(LONG) });
  m.tick(0);
  m.heartbeat(1, { server: 'big', chunksAdded: ['late-1', 'late-2'], chunksRemoved: ['ch_0'] });
  m.heartbeat(2, { server: 'big', chunksRemoved: ['late-2'] });
  t.ok(m.replicaCount('big') < LONG, 'not yet');
  settle(m, 2);
  t.same(m.chunkLocations(2, 'late-1'), ['big']);
  t.same(m.chunkLocations(2, 'late-2'), [], 'added, then removed');
  t.same(m.chunkLocations(2, 'ch_0'), [], 'removed after the report that listed it');
  t.equal(m.replicaCount('big'), LONG);
});

t.test('a full report heard while an earlier one waits comes after it; the changes in between are in it', async (t) => {
  const m = newMaster();
  beat(m, 0, 'big', { chunks: handles(LONG) });
  m.heartbeat(1, { server: 'big', chunksAdded: ['between'] });
  beat(m, 2, 'big', { chunks: ['only', 'these'] });
  t.equal(m.replicaCount('big'), 0, 'short, but behind the long one');
  m.heartbeat(3, { server: 'big', chunksAdded: ['after'] });
  settle(m, 3);
  t.same(m.server(3, 'big')?.chunks, 3);
  t.same(['only', 'these', 'after', 'between'].map((h) => m.chunkLocations(3, h).length), [1, 1, 1, 0]);
  t.equal(m.stats().chunks, LONG + 3, "the long report's chunks are known, missing now; the change in between never was");
});

t.test('a server that dies while its report waits has it dropped, and the handles only it brought let go', async (t) => {
  const m = newMaster({ maxDeadFraction: 1 });
  beat(m, 0, 'other', { chunks: ['kept'] });
  beat(m, 0, 'big', { chunks: handles(LONG) });
  m.tick(0);
  t.ok(m.stats().chunks > 1, 'interning has begun');
  for (const now of [5000, 10_000]) beat(m, now, 'other');
  m.tick(15_000);
  settle(m, 15_000);
  t.equal(m.server(15_000, 'big')?.status, 'dead');
  t.equal(m.replicaCount('big'), 0);
  t.equal(m.stats().chunks, 1, 'only the chunk another server holds is left');
  t.equal(m.nextDeadline() === 15_000, false, 'no report work is left');
});

t.test('a report under way when a server is forgotten starts over, so no freed chunk id is written', async (t) => {
  const m = newMaster({ maxDeadFraction: 1, replicationFactor: 1 });
  beat(m, 0, 'gone', { chunks: ['orphan'] });
  for (const now of [5000, 10_000]) beat(m, now, 'big');
  m.tick(15_000);
  t.equal(m.server(15_000, 'gone')?.status, 'dead');
  beat(m, 15_000, 'big', { chunks: ['orphan', ...handles(LONG)] });
  m.tick(15_000);
  t.equal(m.forgetServer(15_000, 'gone'), 'forgotten', 'orphan, missing with gone its last holder, is freed');
  beat(m, 15_001, 'newcomer', { chunks: ['fresh'] });
  settle(m, 15_001);
  t.same(m.chunkLocations(15_001, 'orphan'), ['big'], 'orphan is known again, held by big');
  t.same(m.chunkLocations(15_001, 'fresh'), ['newcomer'], "the newcomer's chunk is its own");
  t.equal(m.replicaCount('big'), LONG + 1);
});

t.test('reads of servers and chunks see whole reports: they finish the one being applied', async (t) => {
  const m = newMaster();
  beat(m, 0, 'big', { chunks: handles(LONG) });
  t.equal(m.replicaCount('big'), 0);
  t.equal(m.server(0, 'big')?.chunks, LONG);
  t.equal(m.replicaCount('big'), LONG, 'the map holds it all now');
  beat(m, 1, 'other', { chunks: handles(LONG, 'o') });
  t.same(m.chunkLocations(1, `o${LONG - 1}`), ['other']);
  beat(m, 2, 'third', { chunks: handles(LONG, 't') });
  t.same(m.serverStatus(2).map((s) => s.chunks), [LONG, LONG, LONG]);
});

t.test('safe mode waits for a long report to be applied', async (t) => {
  const m = newMaster({ safeModeMs: 100, safeModeMaxMs: 100_000 });
  beat(m, 0, 'big', { chunks: handles(LONG) });
  m.tick(200);
  t.equal(m.replicationState(200).safeMode, true, 'still applying');
  settle(m, 200);
  t.equal(m.replicationState(200).safeMode, false, 'every live server has reported in full');
});

t.test('a long split report is applied in steps too, its changes after its parts', async (t) => {
  const m = newMaster();
  const list = handles(LONG);
  const half = list.length >> 1;
  m.heartbeat(0, { server: 'big', chunks: list.slice(0, half), report: { id: 'r', part: 0, parts: 2 } });
  m.heartbeat(1, { server: 'big', chunksRemoved: ['ch_1'], chunksAdded: ['new'] });
  m.heartbeat(2, { server: 'big', chunks: list.slice(half), report: { id: 'r', part: 1, parts: 2 } });
  t.ok(m.replicaCount('big') < LONG, 'the parts wait for tick()');
  settle(m, 2);
  t.equal(m.replicaCount('big'), LONG);
  t.same(m.chunkLocations(2, 'ch_1'), []);
  t.same(m.chunkLocations(2, 'new'), ['big']);
});

t.test('stamps start over from zero when their epochs run out', async (t) => {
  const stamps = new Stamps();
  stamps.fit(5);
  stamps.values[5] = 9;
  (stamps as unknown as { epoch: number }).epoch = 0x7fffffff;
  t.equal(stamps.next(), 1);
  t.equal(stamps.values[5], 0, 'no stale stamp can match a new epoch');
});

t.test('a job reports its size, and one abandoned part-way lets go of the ids only it interned', async (t) => {
  const replicas = new ReplicaMap();
  const planner = { replicaAdded() {}, replicaRemoved() {}, touch() {} } as unknown as Planner;
  replicas.add(1, replicas.intern('held'));
  const job = new ReportJob(0, [PackedHandles.of(['held', 'a', 'b']), PackedHandles.of(['c'])], [{ added: ['d'], removed: ['a'] }], false, replicas, planner);
  t.equal(job.size, 6);
  job.begin(new Stamps());
  job.step(2, 0);
  t.equal(replicas.chunkCount, 2, 'a is interned');
  job.abandon();
  t.equal(job.done, true);
  t.equal(replicas.chunkCount, 1, 'a is let go; held, held elsewhere, stays');
});

t.test('in a step a handle new to the map counts NEW_HANDLE_WORK, a known one 1', async (t) => {
  const replicas = new ReplicaMap();
  const planner = { replicaAdded() {}, replicaRemoved() {}, touch() {} } as unknown as Planner;
  const known = handles(100, 'known_');
  for (const handle of known) replicas.add(1, replicas.intern(handle));
  const job = new ReportJob(0, [PackedHandles.of(known), PackedHandles.of(handles(100, 'new_'))], [], false, replicas, planner);
  job.begin(new Stamps());
  t.equal(job.step(100, 0), 100);
  t.equal(replicas.chunkCount, 100, 'the known ones, a unit each: nothing interned');
  t.ok(NEW_HANDLE_WORK > 1, 'a new handle weighs more than a known one');
  t.equal(job.step(40 * NEW_HANDLE_WORK, 0), 40 * NEW_HANDLE_WORK);
  t.equal(replicas.chunkCount, 140, 'forty new handles filled what 40 x NEW_HANDLE_WORK known ones would');
});

t.test("reports wait their turn; a server that dies while waiting leaves the one under way alone", async (t) => {
  const m = newMaster({ maxDeadFraction: 1 });
  beat(m, 0, 'first', { chunks: handles(LONG, 'a') });
  beat(m, 0, 'second', { chunks: handles(LONG, 'b') });
  m.tick(0);
  t.equal(m.replicaCount('second'), 0, 'one report at a time: the second waits');
  for (const now of [5000, 10_000]) beat(m, now, 'first');
  m.tick(15_000);
  t.equal(m.server(15_000, 'second')?.status, 'dead');
  settle(m, 15_000);
  t.equal(m.replicaCount('first'), LONG, 'the first went on to the end');
  t.equal(m.replicaCount('second'), 0);
  t.equal(m.stats().chunks, LONG, "none of the second's handles was ever interned");
});

t.test('a core never told of turns applies every short report at once', async (t) => {
  const m = newMaster();
  for (const server of ['a', 'b', 'c']) beat(m, 0, server, { chunks: handles(REPORT_BATCH, server) });
  t.same(['a', 'b', 'c'].map((server) => m.replicaCount(server)), [REPORT_BATCH, REPORT_BATCH, REPORT_BATCH]);
});
