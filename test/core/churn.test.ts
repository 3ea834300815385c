import t from 'tap';
import type { CoreEvent, Master } from '../../src/core/index.js';
import { beat, handles, newMaster, settle } from '../fixtures/master.js';

// Default timing: heartbeat 5000 ms, dead after 15000 ms.

function eventsOf<T extends CoreEvent['type']>(events: CoreEvent[], type: T): Extract<CoreEvent, { type: T }>[] {
  return events.filter((e): e is Extract<CoreEvent, { type: T }> => e.type === type);
}

/** Keeps every named server alive from `from` to `to` (one beat per interval), settling as it goes. */
function keepAlive(master: Master, servers: readonly string[], from: number, to: number): void {
  for (let now = from; now <= to; now += 5000) {
    for (const server of servers) beat(master, now, server);
    settle(master, now);
  }
}

t.test('replacing servers one by one: the brake releases once the replaced ones are out', async (t) => {
  const m = newMaster({ deadOutMs: 120_000 });
  // p0 and p1 stay; the other two are replaced one at a time by servers with new ids.
  let fleet = ['p0', 'p1', 'c0', 'c1'];
  for (const server of fleet) beat(m, 0, server, { chunks: server.startsWith('p') ? handles(4) : [] });
  let now = 0;
  // Without dead-out, the fifth replacement leaves 5 dead of 9 known and the brake engages for good.
  for (let i = 0; i < 6; i++) {
    const gone = fleet[2] as string;
    fleet = [...fleet.slice(0, 2), fleet[3] as string, `new${i}`];
    beat(m, now, `new${i}`, { chunks: [] });
    keepAlive(m, fleet, now, now + 20_000);
    now += 20_000;
    t.equal(m.server(now, gone)?.status, 'dead', `${gone} was replaced`);
  }
  t.ok(eventsOf(m.takeEvents(), 'brake_engaged').length > 0, 'replacements engaged the brake on the way');
  let copies = 0;
  for (const end = now + 150_000; now <= end; now += 5000) {
    for (const server of fleet) copies += beat(m, now, server).chunksToReplicate.length;
    settle(m, now);
  }
  t.equal(eventsOf(m.takeEvents(), 'server_out').length, 6, 'every replaced server went out after dead-out');
  t.equal(m.replicationState(now).brakeEngaged, false, 'with every replaced server out, the brake is off');
  t.ok(copies > 0, 'repair goes on: copies are handed out again');
});

t.test('a dead-out server that comes back counts again', async (t) => {
  const m = newMaster({ deadOutMs: 30_000 });
  beat(m, 0, 'a');
  beat(m, 0, 'b');
  keepAlive(m, ['a'], 0, 50_000);
  t.same(eventsOf(m.takeEvents(), 'server_out').map((e) => [e.server, e.at]), [['b', 45_000]], 'out 30 s after its death at 15 s');
  t.equal(m.replicationState(50_000).brakeEngaged, false, 'one dead and out of two: no brake');
  beat(m, 50_000, 'b');
  keepAlive(m, ['b'], 50_000, 70_000);
  const events = m.takeEvents();
  t.same(eventsOf(events, 'server_dead').map((e) => e.server), ['a'], 'a goes silent');
  t.same(eventsOf(events, 'brake_engaged').map((e) => [e.dead, e.known]), [], 'a dead of a and b: 1 of 2, no brake');
  t.equal(m.serverStatus(70_000).length, 2);
});

t.test('forgetting: unknown and live servers are refused; a dead one leaves every listing', async (t) => {
  const m = newMaster();
  beat(m, 0, 'a', { chunks: ['x', 'y'] });
  beat(m, 0, 'b', { chunks: ['x'] });
  t.equal(m.forgetServer(0, 'nobody'), 'unknown');
  t.equal(m.forgetServer(0, 'a'), 'alive', 'a live server cannot be forgotten');
  keepAlive(m, ['b'], 0, 20_000);
  t.equal(m.server(20_000, 'a')?.status, 'dead');
  t.equal(m.forgetServer(20_000, 'a'), 'forgotten');
  t.equal(m.server(20_000, 'a'), undefined);
  t.same(m.serverStatus(20_000).map((v) => v.server), ['b']);
  const events = m.takeEvents();
  t.same(eventsOf(events, 'server_forgotten').map((e) => [e.server, e.chunksFreed]), [['a', 1]], 'y, held by a alone, is freed');
  t.same(m.chunkLocations(20_000, 'x'), ['b']);
  t.same(m.checkReplication(20_000), [], 'y is no longer listed as missing; x, on the one server left, needs nothing');
  t.equal(m.forgetServer(20_000, 'a'), 'unknown', 'forgotten once');
  beat(m, 21_000, 'a', { chunks: ['y'] });
  t.same(eventsOf(m.takeEvents(), 'server_alive'), [{ type: 'server_alive', server: 'a', at: 21_000, revived: false }], 'a later heartbeat registers it anew');
  t.same(m.serverStatus(21_000).map((v) => v.server), ['b', 'a'], 'in first-heartbeat order: b, then the new a');
  t.same(m.chunkLocations(21_000, 'y'), ['a']);
});

t.test('memory comes back: every server dead and forgotten leaves no handle and reuses indices', async (t) => {
  const m = newMaster({ maxDeadFraction: 1 });
  let now = 0;
  for (let round = 0; round < 5; round++) {
    const servers = handles(10, `r${round}-s`);
    for (const [i, server] of servers.entries()) beat(m, now, server, { chunks: handles(200, `r${round}-${i}-`) });
    now += 20_000;
    settle(m, now);
    for (const server of servers) t.equal(m.forgetServer(now, server), 'forgotten');
    settle(m, now);
  }
  const freed = eventsOf(m.takeEvents(), 'server_forgotten').reduce((sum, e) => sum + e.chunksFreed, 0);
  t.equal(freed, 5 * 10 * 200, 'every handle ever reported is freed');
  t.equal(m.stats().chunks, 0, 'no handle is left interned');
  t.equal(m.stats().replicas, 0, 'no replica is left');
  t.same(m.serverStatus(now), []);
  beat(m, now, 'fresh', { chunks: ['k'] });
  t.equal(m.stats().serverSlots, 10, 'a new server reuses a freed index');
  t.same(m.chunkLocations(now, 'k'), ['fresh']);
});

t.test('a server forgotten while its replicas are still being reaped is released when the reap ends', async (t) => {
  const m = newMaster({ maxDeadFraction: 1 });
  beat(m, 0, 'big', { chunks: handles(6000) });
  beat(m, 0, 'small', { chunks: ['ch_0'] });
  beat(m, 10_000, 'small');
  m.tick(15_000);
  t.equal(m.forgetServer(15_000, 'big'), 'forgotten', 'forgotten right after death, reap under way');
  t.same(eventsOf(m.takeEvents(), 'server_forgotten'), [], 'not released yet');
  t.equal(m.server(15_000, 'big'), undefined, 'but gone from the listings at once');
  beat(m, 15_000, 'big', { chunks: ['ch_1'] });
  t.equal(m.server(15_000, 'big')?.status, 'alive', 'a new big registers while the old one is reaped');
  settle(m, 15_000);
  const events = m.takeEvents();
  const [reaped] = eventsOf(events, 'server_reaped');
  t.match(reaped, { server: 'big', replicas: 6000 });
  t.ok((reaped?.chunksMissing ?? 0) >= 5998, 'every chunk big alone held went missing (ch_1 perhaps for a moment)');
  t.same(eventsOf(events, 'server_forgotten').map((e) => [e.server, e.chunksFreed]), [['big', 5998]], 'ch_0 and ch_1 are still held');
  t.same(m.chunkLocations(15_000, 'ch_1'), ['big']);
  t.equal(m.stats().chunks, 2);
});

t.test('a death is told in a few events with counts, never one per chunk', async (t) => {
  const m = newMaster({ maxDeadFraction: 1 });
  beat(m, 0, 'doomed', { chunks: handles(20_000) });
  settle(m, 0);
  beat(m, 0, 'keeper', { chunks: handles(5) });
  beat(m, 10_000, 'keeper');
  const ticks = settle(m, 15_000);
  t.ok(ticks > 1, 'the reap took several ticks');
  const events = m.takeEvents();
  t.ok(events.length <= 5, `${events.length} events for 20,000 chunks`);
  t.match(eventsOf(events, 'server_dead'), [{ server: 'doomed', lostReplicas: 20_000 }]);
  const [reaped] = eventsOf(events, 'server_reaped');
  t.equal(reaped?.chunksMissing, 19_995);
  t.equal(reaped?.examples.length, 10, 'at most 10 examples');
  t.same(eventsOf(events, 'chunks_missing'), [], 'the reap names its own missing chunks');
});

t.test('chunks a live server stops reporting are summed into one event per step', async (t) => {
  const m = newMaster();
  beat(m, 0, 'a', { chunks: handles(50) });
  m.takeEvents();
  beat(m, 1000, 'a', { chunks: [] });
  const [missing, ...rest] = m.takeEvents();
  t.same(rest, []);
  t.match(missing, { type: 'chunks_missing', at: 1000, count: 50 });
  t.same((missing as { examples: string[] }).examples, handles(10));
  t.same(m.takeEvents(), [], 'told once');
});

t.test("the master's own stalls are credited to every server's deadline", async (t) => {
  const m = newMaster();
  beat(m, 0, 'a');
  beat(m, 10_000, 'b');
  m.creditStall(2000);
  m.creditStall(-5);
  t.equal(m.nextDeadline(), 17_000, "a's deadline moved back by the stall");
  m.tick(16_999);
  t.equal(m.server(16_999, 'a')?.status, 'alive', 'not blamed for the two seconds the master was away');
  m.tick(17_000);
  t.match(m.takeEvents(), [{ type: 'server_alive' }, { type: 'server_alive' }, { type: 'server_dead', server: 'a', at: 17_000 }]);
  beat(m, 20_000, 'b');
  t.equal(m.nextDeadline(), 35_000, 'a deadline set after a stall runs its full length');
  t.equal(m.server(34_999, 'b')?.status, 'alive');
  t.equal(m.server(35_000, 'b')?.status, 'dead');
});

t.test('keepAlive counts as liveness and hands out nothing, so a refused heartbeat loses no instruction', async (t) => {
  const m = newMaster();
  beat(m, 0, 'src', { chunks: ['x'] });
  beat(m, 0, 'dst1', { chunks: [] });
  beat(m, 0, 'dst2', { chunks: [] });
  settle(m, 1000);
  t.equal(m.replicationState(1000).pendingCopies, 2, 'two copies of x planned, from src');
  t.equal(m.keepAlive(1000, 'src'), 'alive');
  t.equal(m.keepAlive(1000, 'newcomer'), 'alive', 'a first contact registers the server');
  for (const target of ['dst1', 'dst2']) beat(m, 10_000, target);
  t.equal(m.keepAlive(14_000, 'src'), 'alive');
  t.equal(m.server(16_000, 'src')?.status, 'alive', 'its deadline moved: alive past the first one');
  const reply = beat(m, 16_000, 'src');
  t.same(reply.chunksToReplicate.map((c) => c.target).sort(), ['dst1', 'dst2'], 'the copies are still there for the next reply');
});

t.test("a drained server forgotten before its chunks were re-filed: the freed chunks are left alone", async (t) => {
  const m = newMaster({ maxDeadFraction: 1 });
  beat(m, 0, 'a', { chunks: handles(3000) });
  beat(m, 0, 'b', { chunks: [] });
  beat(m, 10_000, 'b');
  m.drainServer(14_999, 'a');
  m.tick(15_000);
  t.equal(m.forgetServer(15_000, 'a'), 'forgotten', 'dead, its re-filing not yet done');
  settle(m, 15_000);
  t.match(eventsOf(m.takeEvents(), 'server_forgotten'), [{ server: 'a', chunksFreed: 3000 }]);
  t.equal(m.stats().chunks, 0);
  t.same(m.checkReplication(15_000), [], 'no freed chunk was filed again as missing');
  beat(m, 16_000, 'b', { chunks: ['new'] });
  t.same(m.chunkLocations(16_000, 'new'), ['b'], 'a freed id serves a new chunk');
});
