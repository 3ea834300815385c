import t from 'tap';
import { beat, handles, newMaster, settle } from '../fixtures/master.js';

// Default timing: heartbeat 5000 ms, dead after 15000 ms, planning rounds every 500 ms.

t.test('under-replicated chunks are listed fewest replicas first, missing ones included', async (t) => {
  const m = newMaster();
  beat(m, 0, 's1', { chunks: ['a', 'b', 'c'] });
  beat(m, 0, 's2', { chunks: ['a', 'b'] });
  beat(m, 0, 's3', { chunks: ['a', 'z'] });
  beat(m, 0, 's4', { chunks: [] });
  t.same(
    m.checkReplication(0).map((u) => [u.chunk, u.currentRf, u.priority]),
    [
      ['c', 1, 'critical'],
      ['z', 1, 'critical'],
      ['b', 2, 'normal'],
    ],
  );
  for (const s of ['s1', 's2', 's4']) beat(m, 10000, s);
  settle(m, 16000);
  const events = m.takeEvents();
  const missing = events.flatMap((e) => (e.type === 'chunks_missing' || e.type === 'server_reaped' ? e.examples : []));
  t.same(missing, ['z'], 'z went missing, and is named once');
  const under = m.checkReplication(16000);
  t.same(under[0], { chunk: 'z', currentRf: 0, targetRf: 3, priority: 'missing' });
  t.same(m.chunkLocations(16000, 'z'), []);
});

t.test('a chunk wants only as many replicas as there are servers able to hold them', async (t) => {
  const m = newMaster();
  beat(m, 0, 's1', { chunks: ['a'] });
  beat(m, 0, 's2', { chunks: ['a'] });
  t.same(m.checkReplication(0), [], 'two servers, both holding it: nothing more to do');
  beat(m, 0, 's3', { chunks: [], disk: 95 });
  t.same(m.checkReplication(0), [], 'a full disk is not a place for a copy');
  beat(m, 0, 's3', { disk: 50 });
  t.same(m.checkReplication(0).map((u) => u.chunk), ['a']);
  beat(m, 0, 's3', { health: 'degraded' });
  t.same(m.checkReplication(0), [], 'a degraded server is not a place for a copy');
});

t.test('a death leads to copies from a live holder to the emptiest eligible server, delivered once', async (t) => {
  const m = newMaster();
  beat(m, 0, 's1', { chunks: ['a'], disk: 40 });
  beat(m, 0, 's2', { chunks: ['a'], disk: 40 });
  beat(m, 0, 's3', { chunks: ['a'], disk: 40 });
  beat(m, 0, 's4', { chunks: [], disk: 70 });
  beat(m, 0, 's5', { chunks: [], disk: 20 });
  beat(m, 0, 's6', { chunks: [], disk: 95 });
  for (const s of ['s1', 's2', 's4', 's5', 's6']) beat(m, 10000, s);
  settle(m, 16000);
  t.same(m.checkReplication(16000).map((u) => u.chunk), ['a']);
  const first = beat(m, 16000, 's1');
  const second = beat(m, 16000, 's2');
  const copies = [...first.chunksToReplicate, ...second.chunksToReplicate];
  t.same(copies, [{ chunk: 'a', target: 's5' }], 'one copy, to the emptiest eligible disk');
  t.same(beat(m, 17000, 's1').chunksToReplicate, [], 'delivered once');
  t.equal(m.replicationState(17000).pendingCopies, 1);
  beat(m, 18000, 's5', { chunks: ['a'] });
  t.equal(m.replicationState(18000).pendingCopies, 0, 'the target reporting the chunk confirms the copy');
  t.same(m.checkReplication(18000), []);
  t.same(beat(m, 30000, 's1').chunksToReplicate, [], 'nothing planned again once confirmed');
});

t.test('a server back before the copy went out makes it moot: no copy, no churn', async (t) => {
  const m = newMaster();
  beat(m, 0, 's1', { chunks: ['a'] });
  beat(m, 0, 's2', { chunks: ['a'] });
  beat(m, 0, 'flap', { chunks: ['a'] });
  beat(m, 0, 't', { chunks: [] });
  for (const s of ['s1', 's2', 't']) beat(m, 10000, s);
  settle(m, 15000);
  t.equal(m.server(15000, 'flap')?.status, 'dead');
  beat(m, 15500, 't');
  t.equal(m.replicationState(15500).pendingCopies, 1, 'a copy is planned for s1 or s2');
  beat(m, 16000, 'flap', { chunks: ['a'] });
  const copies = [...beat(m, 16500, 's1').chunksToReplicate, ...beat(m, 16500, 's2').chunksToReplicate];
  t.same(copies, [], 'the chunk has its replicas again: the copy is dropped');
  t.equal(m.replicationState(16500).pendingCopies, 0);
  t.same(['s1', 's2', 'flap', 't'].map((s) => beat(m, 17000, s).chunksToDelete).flat(), [], 'and nothing to delete');
});

t.test('copies per server are capped by max_replication_streams, as source and as target', async (t) => {
  const m = newMaster({ maxReplicationStreams: 2 });
  const chunks = handles(10);
  beat(m, 0, 'src', { chunks });
  beat(m, 0, 'gone1', { chunks });
  beat(m, 0, 'gone2', { chunks });
  for (const s of ['t1', 't2', 't3']) beat(m, 0, s, { chunks: [], disk: 10 });
  for (const s of ['src', 't1', 't2', 't3']) beat(m, 10000, s);
  settle(m, 16000);
  const copies = beat(m, 16000, 'src').chunksToReplicate;
  t.equal(copies.length, 2, 'the only live holder sends two at a time');
  const byTarget = new Map<string, number>();
  for (const c of copies) byTarget.set(c.target, (byTarget.get(c.target) ?? 0) + 1);
  t.ok([...byTarget.values()].every((n) => n <= 2));
  t.equal(byTarget.size, 2, 'spread over targets with equal disks');
  t.same(beat(m, 17000, 'src').chunksToReplicate, [], 'no more until those finish');
  const [done] = copies;
  beat(m, 18000, done?.target as string, { chunks: [done?.chunk as string] });
  const next = beat(m, 19000, 'src').chunksToReplicate;
  t.equal(next.length, 1, 'a finished copy frees one stream');
});

t.test('two copies of one chunk never go to the same target', async (t) => {
  const m = newMaster();
  beat(m, 0, 'src', { chunks: ['a'] });
  for (const s of ['t1', 't2', 't3']) beat(m, 0, s, { chunks: [], disk: 10 });
  const copies = beat(m, 1000, 'src').chunksToReplicate;
  t.equal(copies.length, 2);
  t.not(copies[0]?.target, copies[1]?.target);
  beat(m, 2000, copies[0]?.target as string, { chunks: ['a'] });
  t.same(beat(m, 3000, 'src').chunksToReplicate, [], 'the copy still on its way is not doubled');
});

t.test('a target busy with incoming copies takes no more than the cap', async (t) => {
  const m = newMaster({ maxReplicationStreams: 1, replicationFactor: 2 });
  beat(m, 0, 'a', { chunks: ['x', 'y'] });
  beat(m, 0, 'b', { chunks: ['y'] });
  beat(m, 0, 't', { chunks: ['x'] });
  beat(m, 0, 'dead', { chunks: [] });
  const x = beat(m, 1000, 'a');
  t.same(x.chunksToReplicate, [], 'x has 2 replicas, y has 2: nothing to do');
  beat(m, 10000, 'a');
  beat(m, 10000, 'b');
  beat(m, 10000, 'dead');
  settle(m, 16000);
  // t died: x has one replica left (on a); targets: b and dead, one stream each.
  const copies = beat(m, 16000, 'a').chunksToReplicate;
  t.equal(copies.length, 1);
  t.not(copies[0]?.target, 'a');
});

t.test('an unconfirmed copy is planned again after pending_timeout', async (t) => {
  const m = newMaster({ pendingTimeoutMs: 20000 });
  beat(m, 0, 's1', { chunks: ['a'] });
  beat(m, 0, 's2', { chunks: ['a'] });
  beat(m, 0, 's3', { chunks: ['a'] });
  beat(m, 0, 's4', { chunks: [] });
  for (const s of ['s1', 's2', 's4']) beat(m, 10000, s);
  settle(m, 16000);
  t.same(beat(m, 16000, 's1').chunksToReplicate, [{ chunk: 'a', target: 's4' }]);
  for (const at of [20000, 25000, 30000]) for (const s of ['s1', 's2', 's4']) t.same(beat(m, at, s).chunksToReplicate, []);
  const deadline = m.nextDeadline();
  t.ok(deadline !== undefined && deadline <= 36000, 'the pending copy has a deadline');
  for (const s of ['s1', 's2', 's4']) beat(m, 35000, s);
  const again = [...beat(m, 36500, 's1').chunksToReplicate, ...beat(m, 36500, 's2').chunksToReplicate];
  t.same(again, [{ chunk: 'a', target: 's4' }], 'planned again after the timeout');
});

t.test('a copy whose source or target dies is planned again elsewhere', async (t) => {
  const m = newMaster({ maxDeadFraction: 1 });
  beat(m, 0, 's1', { chunks: ['a'] });
  beat(m, 0, 's2', { chunks: ['a'] });
  beat(m, 0, 's3', { chunks: ['a'] });
  beat(m, 0, 't1', { chunks: [], disk: 10 });
  beat(m, 0, 't2', { chunks: [], disk: 20 });
  for (const s of ['s1', 's2', 't1', 't2']) beat(m, 10000, s);
  settle(m, 16000);
  t.same(beat(m, 16000, 's1').chunksToReplicate, [{ chunk: 'a', target: 't1' }]);
  // t1 dies: the copy is dropped and goes to t2 instead.
  for (const s of ['s1', 's2', 't2']) beat(m, 20000, s);
  m.tick(25000);
  t.equal(m.server(25000, 't1')?.status, 'dead');
  t.same(beat(m, 26000, 's1').chunksToReplicate, [{ chunk: 'a', target: 't2' }], 'the dead target frees the copy');
  // now that copy's source dies too: the other holder takes over.
  for (const s of ['s2', 't2']) beat(m, 30000, s);
  m.tick(41000);
  t.equal(m.server(41000, 's1')?.status, 'dead');
  t.same(beat(m, 41000, 's2').chunksToReplicate, [{ chunk: 'a', target: 't2' }], 'the surviving holder takes over');
});

t.test('a returning server makes excess replicas, deleted from the fullest disks, never below target RF', async (t) => {
  const m = newMaster();
  beat(m, 0, 's1', { chunks: ['a', 'b'], disk: 30 });
  beat(m, 0, 's2', { chunks: ['a', 'b'], disk: 50 });
  beat(m, 0, 's3', { chunks: ['a', 'b'], disk: 80 });
  beat(m, 0, 's4', { chunks: ['a', 'b'], disk: 60 });
  const deletes = ['s1', 's2', 's3', 's4'].map((s) => beat(m, 1000, s).chunksToDelete);
  t.same(deletes, [[], [], ['a', 'b'], []], 'the fullest disk deletes the excess');
  t.equal(m.replicationState(1000).pendingDeletes, 2);
  t.same(['s1', 's2', 's3', 's4'].map((s) => beat(m, 2000, s).chunksToDelete), [[], [], [], []], 'not asked twice, no second victim');
  beat(m, 3000, 's3', { chunks: [] });
  t.equal(m.replicationState(3000).pendingDeletes, 0, 'the report without the chunks confirms the deletes');
  t.same(m.chunkLocations(3000, 'a'), ['s1', 's2', 's4']);
  t.same(['s1', 's2', 's4'].map((s) => beat(m, 4000, s).chunksToDelete), [[], [], []]);
});

t.test('a delete stays settled only by a report: never by a timeout alone', async (t) => {
  const m = newMaster({ pendingTimeoutMs: 20000 });
  for (const s of ['s1', 's2', 's3']) beat(m, 0, s, { chunks: ['a'], disk: 10 });
  beat(m, 0, 'big', { chunks: ['a'], disk: 80 });
  t.same(beat(m, 1000, 'big').chunksToDelete, ['a']);
  // big deletes it but sends only liveness heartbeats for a long while.
  for (let at = 5000; at <= 60000; at += 5000) {
    for (const s of ['s1', 's2', 's3', 'big']) t.same(beat(m, at, s).chunksToDelete, [], `no second delete at ${at}`);
  }
  t.equal(m.replicationState(60000).pendingDeletes, 1, 'still waiting for big to report');
  beat(m, 61000, 'big', { chunks: [] });
  t.equal(m.replicationState(61000).pendingDeletes, 0);
  t.same(m.chunkLocations(61000, 'a'), ['s1', 's2', 's3']);
});

t.test('a server still listing a chunk a pending timeout after its delete gets it planned again', async (t) => {
  const m = newMaster({ pendingTimeoutMs: 20000 });
  for (const s of ['s1', 's2', 's3']) beat(m, 0, s, { chunks: ['a'], disk: 10 });
  beat(m, 0, 'big', { chunks: ['a'], disk: 80 });
  t.same(beat(m, 1000, 'big').chunksToDelete, ['a']);
  for (const s of ['s1', 's2', 's3']) beat(m, 10000, s);
  t.same(beat(m, 10000, 'big', { chunks: ['a'] }).chunksToDelete, [], 'too early to tell: it may not have got to it yet');
  t.equal(m.replicationState(10000).pendingDeletes, 1);
  for (const s of ['s1', 's2', 's3']) beat(m, 20000, s);
  t.same(beat(m, 21000, 'big', { chunks: ['a'] }).chunksToDelete, ['a'], 'it did not delete: dropped, planned and sent again');
  t.equal(m.replicationState(21000).pendingDeletes, 1);
});

t.test('a read-only server is never asked to delete', async (t) => {
  const m = newMaster();
  beat(m, 0, 's1', { chunks: ['a'], disk: 10 });
  beat(m, 0, 's2', { chunks: ['a'], disk: 20 });
  beat(m, 0, 's3', { chunks: ['a'], disk: 30 });
  beat(m, 0, 'ro', { chunks: ['a'], disk: 85, health: 'read_only' });
  const deletes = ['s1', 's2', 's3', 'ro'].map((s) => beat(m, 1000, s).chunksToDelete);
  t.same(deletes, [[], [], ['a'], []], 'the fullest disk that can delete');
});

t.test('a planned delete is withdrawn if another holder dies before it is delivered', async (t) => {
  const m = newMaster();
  beat(m, 0, 's1', { chunks: ['a'], disk: 10 });
  beat(m, 0, 's2', { chunks: ['a'], disk: 10 });
  beat(m, 0, 's3', { chunks: ['a'], disk: 10 });
  beat(m, 0, 'full', { chunks: ['a'], disk: 85 });
  t.same(beat(m, 1000, 's1').chunksToDelete, [], 'the delete is planned for the fullest disk, not s1');
  beat(m, 10000, 's1');
  beat(m, 10000, 's2');
  beat(m, 10000, 'full');
  settle(m, 15001);
  t.equal(m.server(15001, 's3')?.status, 'dead');
  t.same(beat(m, 15001, 'full').chunksToDelete, [], 'withdrawn: it would leave two replicas');
  t.same(m.chunkLocations(15001, 'a'), ['s1', 's2', 'full']);
});

t.test('at most 1000 deletes per reply; the rest follow on later heartbeats', async (t) => {
  const m = newMaster();
  const chunks = handles(2500);
  for (const s of ['s1', 's2', 's3']) beat(m, 0, s, { chunks, disk: 10 });
  beat(m, 0, 'big', { chunks, disk: 80 });
  const sizes: number[] = [];
  for (let at = 1000; at <= 5000; at += 1000) sizes.push(beat(m, at, 'big').chunksToDelete.length);
  t.same(sizes, [1000, 1000, 500, 0, 0]);
});

t.test('safe mode: no instructions until it ends, at a deadline tick() honours', async (t) => {
  const m = newMaster({ safeModeMs: 15000 });
  t.equal(m.nextDeadline(), 15000);
  for (const s of ['s1', 's2', 's3', 's4']) beat(m, 0, s, { chunks: ['a'] });
  for (const s of ['s1', 's2', 's3']) t.same(beat(m, 5000, s).chunksToDelete, []);
  t.same(beat(m, 5000, 's4').chunksToDelete, []);
  t.equal(m.replicationState(5000).safeMode, true);
  t.equal(m.replicationState(5000).safeModeRemainingMs, 10000);
  m.tick(15000);
  t.same(m.takeEvents().filter((e) => e.type !== 'server_alive'), [{ type: 'safe_mode_exited', at: 15000 }]);
  t.equal(m.replicationState(15000).safeMode, false);
  const deletes = ['s1', 's2', 's3', 's4'].map((s) => beat(m, 15000, s).chunksToDelete).flat();
  t.same(deletes, ['a'], 'the excess is deleted once safe mode is over');
});

t.test('mass-failure brake: no copies while more than max_dead_fraction are dead', async (t) => {
  const m = newMaster();
  const servers = ['s1', 's2', 's3', 's4', 's5'];
  for (const s of servers) beat(m, 0, s, { chunks: s === 's5' ? [] : ['a'] });
  for (const s of ['s1', 's5']) beat(m, 10000, s);
  settle(m, 16000);
  const engaged = m.takeEvents().filter((e) => e.type === 'brake_engaged');
  t.same(engaged, [{ type: 'brake_engaged', at: 15000, dead: 3, known: 5 }]);
  t.equal(m.replicationState(16000).brakeEngaged, true);
  t.same(beat(m, 16000, 's1').chunksToReplicate, []);
  beat(m, 17000, 's2', { chunks: [] });
  t.same(m.takeEvents(), [
    { type: 'server_alive', server: 's2', at: 17000, revived: true },
    { type: 'brake_released', at: 17000, dead: 2, known: 5 },
  ]);
  const copies = [...beat(m, 18000, 's1').chunksToReplicate];
  t.equal(copies.length, 2, 'copies resume once the brake is released');
});

t.test('a drained server is copied off, never chosen as target, then emptied', async (t) => {
  const m = newMaster();
  beat(m, 0, 'd', { chunks: ['a', 'b'], disk: 10 });
  beat(m, 0, 's1', { chunks: ['a', 'b'], disk: 50 });
  beat(m, 0, 's2', { chunks: ['a', 'b'], disk: 50 });
  beat(m, 0, 's3', { chunks: [], disk: 60 });
  t.equal(m.drainServer(0, 'd')?.status, 'draining');
  t.equal(m.drainServer(0, 'nobody'), undefined);
  settle(m, 0);
  t.same(
    m.checkReplication(0).map((u) => [u.chunk, u.currentRf]),
    [
      ['a', 2],
      ['b', 2],
    ],
  );
  const copies = beat(m, 1000, 'd').chunksToReplicate;
  t.same(copies, [{ chunk: 'a', target: 's3' }, { chunk: 'b', target: 's3' }], 'the draining server is the preferred source');
  beat(m, 2000, 's3', { chunks: ['a', 'b'] });
  t.same(beat(m, 3000, 'd').chunksToDelete, ['a', 'b'], 'its copies are excess once the chunks have target RF elsewhere');
  beat(m, 4000, 'd', { chunks: [] });
  t.same(m.server(4000, 'd'), { server: 'd', status: 'draining', chunks: 0, lastHeartbeatMsAgo: 0, diskUsagePct: 10, health: 'healthy', missedHeartbeats: 0, instructions: { copiesOut: 0, copiesIn: 0, deletes: 0 } });
  for (const s of ['s1', 's2', 's3']) beat(m, 10000, s);
  beat(m, 20000, 'd');
  settle(m, 25000);
  t.equal(m.server(25000, 's1')?.status, 'dead');
  beat(m, 25000, 's2');
  const next = [...beat(m, 25000, 's3').chunksToReplicate, ...beat(m, 25000, 's2').chunksToReplicate];
  t.equal(next.length, 0, 'a draining server is never a target');
  t.equal(m.drainServer(25000, 'd')?.status, 'draining', 'draining twice changes nothing');
});

t.test('a dead server with many replicas is swept in bounded batches, counting 0 at once', async (t) => {
  const m = newMaster();
  const chunks = handles(50000);
  beat(m, 0, 'big', { chunks });
  beat(m, 0, 'b', { chunks: chunks.slice(0, 10) });
  beat(m, 0, 'c', { chunks: [] });
  settle(m, 0);
  beat(m, 10000, 'b');
  beat(m, 10000, 'c');
  m.tick(15000);
  t.equal(m.server(15000, 'big')?.chunks, 0, 'a dead server counts 0 replicas at once');
  t.same(m.chunkLocations(15000, 'ch_1'), ['b']);
  t.equal(m.nextDeadline(), 15000, 'more sweep work is due now');
  const ticks = settle(m, 15000);
  t.ok(ticks >= 2, `the sweep took ${ticks} ticks`);
  t.equal(m.replicaCount('big'), 0);
  const under = m.checkReplication(15000);
  t.equal(under.length, 50000);
  t.same(under.slice(0, 2).map((u) => u.priority), ['missing', 'missing']);
  t.same(under.at(-1)?.priority, 'critical');
});

t.test('a server back during its sweep counts again only with a full chunk list', async (t) => {
  const m = newMaster();
  const chunks = handles(30000);
  beat(m, 0, 'big', { chunks });
  for (const s of ['b', 'c']) beat(m, 0, s, { chunks: ['ch_1'] });
  settle(m, 0);
  for (const s of ['b', 'c']) beat(m, 10000, s);
  m.tick(15000);
  beat(m, 15500, 'big');
  t.equal(m.server(15500, 'big')?.chunks, 0, 'a liveness-only heartbeat does not bring the old list back');
  t.same(m.chunkLocations(15500, 'ch_1'), ['b', 'c']);
  beat(m, 16000, 'big', { chunks });
  t.ok(settle(m, 16000) >= 2, 'a list this long is applied in steps');
  t.equal(m.server(16000, 'big')?.chunks, 30000, 'the full list counts again');
  t.same(m.chunkLocations(16000, 'ch_1'), ['big', 'b', 'c']);
  t.equal(m.replicaCount('big'), 30000, 'the sweep stopped');
  t.equal(m.checkReplication(16000).length, 29999);
});

t.test('time going backwards changes nothing; state reports the queue', async (t) => {
  const m = newMaster();
  beat(m, 1000, 's1', { chunks: ['a'] });
  beat(m, 500, 's2', { chunks: ['a'] });
  t.equal(m.server(0, 's2')?.lastHeartbeatMsAgo, 0);
  const state = m.replicationState(0);
  t.same(state, { safeMode: false, safeModeRemainingMs: 0, brakeEngaged: false, pendingCopies: 0, pendingDeletes: 0 });
  t.same(m.checkReplication(0), []);
});
