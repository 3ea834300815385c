import t from 'tap';
import { defaultCoreConfig } from '../../src/core/config.js';
import type { ReplicationState } from '../../src/core/index.js';
import { Checker, EpochCheck } from '../../src/sim/checks.js';
import { Servers } from '../../src/sim/servers.js';

/** Four simulated servers (target RF 3), what the master believes each chunk is on, and its replication state. */
function world(now = 0) {
  const servers = new Servers(4, () => 0, 1);
  const believed = new Map<string, string[]>();
  const state: ReplicationState = { safeMode: false, safeModeRemainingMs: 0, brakeEngaged: false, pendingCopies: 0, pendingDeletes: 0 };
  const checker = new Checker({
    now,
    config: defaultCoreConfig({ replicationFactor: 3 }),
    servers,
    masterEpoch: 0,
    locations: (chunk) => believed.get(chunk) ?? [],
    heldBy: (server, chunks) => chunks.filter((chunk) => believed.get(chunk)?.includes(server)),
    replicaCount: (server) => [...believed.values()].filter((holders) => holders.includes(server)).length,
    replicationState: () => state,
  });
  /** Puts `chunk` on the disks of `ids`, and tells the master so. */
  const place = (chunk: string, ids: string[]) => {
    for (const id of ids) servers.get(id).disk.add(chunk);
    believed.set(chunk, ids);
  };
  return { checker, servers, believed, state, place };
}

t.test('a delete must leave target RF live replicas by the master\'s knowledge', async (t) => {
  const { checker, servers, place } = world();
  place('c', ['cs1', 'cs2', 'cs3', 'cs4']);
  t.same(checker.beforeDelete(servers.get('cs1'), 'c'), [], 'three others remain');
  servers.get('cs4').deletedUnreported.add('c');
  t.same(checker.beforeDelete(servers.get('cs1'), 'c'), ['delete of c on cs1 leaves 2 live replicas (cs2, cs3), below target RF 3'], 'a delete already asked of another counts');
});

t.test('a delete that destroys the last copy is a violation unless a fault the master had no report of took the others', async (t) => {
  const { checker, servers, place } = world();
  place('c', ['cs1', 'cs2']);
  const cs1 = servers.get('cs1');
  checker.beforeDelete(cs1, 'c');
  cs1.disk.delete('c');
  t.same(checker.afterDelete(cs1, 'c'), [], 'cs2 still has it');
  servers.wipe(servers.get('cs2'));
  servers.get('cs2').lostSinceReport = false;
  t.same(checker.afterDelete(cs1, 'c'), ['delete of c on cs1 destroyed its last copy']);
  servers.get('cs2').lostSinceReport = true;
  t.same(checker.afterDelete(cs1, 'c'), [], 'cs2 was wiped and had not reported since');
});

t.test('a copy goes to another server, one that does not hold the chunk already', async (t) => {
  const { checker, servers, place } = world();
  place('c', ['cs1', 'cs2']);
  const [cs1, cs2, cs3] = [servers.get('cs1'), servers.get('cs2'), servers.get('cs3')];
  t.same(checker.onCopyOrder(cs1, cs3, 'c'), []);
  t.same(checker.onCopyOrder(cs1, cs2, 'c'), ['cs1 told to copy c to cs2, which already holds it']);
  t.same(checker.onCopyOrder(cs1, cs1, 'c'), ['cs1 told to copy c to itself', 'cs1 told to copy c to cs1, which already holds it']);
});

t.test('a server is marked dead only once silent for the whole dead timeout', async (t) => {
  const { checker, servers } = world();
  const cs1 = servers.get('cs1');
  cs1.lastHeard = 1000;
  t.same(checker.onDeath(cs1, 16_000, 15_000), [], 'exactly the timeout');
  t.same(checker.onDeath(cs1, 15_999, 15_000), ['cs1 marked dead at 15999, heard from at 1000 (timeout 15000)']);
});

t.test('convergence: nothing pending, no brake, each surviving chunk at target RF or as many as can hold it', async (t) => {
  const { checker, servers, state, place, believed } = world(50_000);
  place('full', ['cs1', 'cs2', 'cs3']);
  place('lost', []);
  t.ok(checker.converged(['full', 'lost']), 'a chunk with no copy left on any disk is not waited for');
  place('short', ['cs1']);
  t.notOk(checker.converged(['short']));
  t.same(checker.atEnd(['full', 'short'], false, 20_000), ['not back to full replication 30000 ms after faults stopped: short has 1 live replicas, wants 3']);
  servers.get('cs2').health = 'read_only';
  servers.get('cs3').partitioned = true;
  servers.get('cs4').full = true;
  t.ok(checker.converged(['short']), 'cs1 is the only server able to hold it');
  for (const s of ['cs2', 'cs3', 'cs4']) Object.assign(servers.get(s), { health: 'healthy', partitioned: false, full: false });

  state.pendingCopies = 2;
  state.brakeEngaged = true;
  t.notOk(checker.converged(['full']));
  t.same(checker.atEnd(['full'], false, 0), ['not back to full replication 50000 ms after faults stopped: 2 copies pending; brake engaged']);
  state.pendingCopies = 0;
  state.brakeEngaged = false;

  believed.set('full', ['cs1', 'cs2', 'cs3', 'cs4']);
  t.notOk(checker.converged(['full']), 'an excess replica is not full replication');
  t.same(checker.atEnd(['full'], true, 0), [], 'but once reached, a late copy\'s excess at the end is no violation');
  const many = Array.from({ length: 7 }, (_, i) => `k${i}`);
  for (const chunk of many) place(chunk, ['cs1']);
  t.match(checker.atEnd(many, true, 0)[0], /: k0 has 1 live replicas, wants 3; .*k4 has 1 live replicas, wants 3; 2 more$/, 'five gaps shown, the rest counted');
});

t.test('time the master was stopped does not count as silence', async (t) => {
  const servers = new Servers(1, () => 0, 1);
  const state: ReplicationState = { safeMode: false, safeModeRemainingMs: 0, brakeEngaged: false, pendingCopies: 0, pendingDeletes: 0 };
  const checker = new Checker({
    now: 0,
    config: defaultCoreConfig(),
    servers,
    masterEpoch: 0,
    locations: () => [],
    heldBy: () => [],
    replicaCount: () => 0,
    replicationState: () => state,
    pausedMs: (from, to) => Math.max(0, Math.min(to, 30_000) - Math.max(from, 10_000)),
  });
  const cs1 = servers.get('cs1');
  cs1.lastHeard = 5000;
  t.same(checker.onDeath(cs1, 39_999, 15_000), ['cs1 marked dead at 39999, heard from at 5000, 20000 ms of it stopped (timeout 15000)']);
  t.same(checker.onDeath(cs1, 40_000, 15_000), [], 'silent for the timeout once the stop is taken off');
});

t.test('one epoch at a time: from its leader, within its lease, never after a higher one', async (t) => {
  const epochs = new EpochCheck();
  const obeyed = (at: number, epoch: number, master = 'm1', leader: string | undefined = master, leaseEnd = at + 1) => ({ server: 'cs1', master, epoch, at, leader, leaseEnd });
  t.same(epochs.onObey(obeyed(100, 5), 2), []);
  t.same(epochs.onObey(obeyed(200, 5), 1), [], 'the same epoch again');
  t.same(epochs.onObey(obeyed(300, 5, 'm1', 'm1', 300), 1), ['cs1 obeyed 1 instructions of epoch 5 from m1 at 300, after its lease ended at 300']);
  t.same(epochs.onObey(obeyed(400, 8, 'm2'), 1), [], 'a higher epoch');
  t.same(epochs.onObey(obeyed(500, 5), 1), ['cs1 obeyed 1 instructions of epoch 5 from m1 after cs1 obeyed epoch 8 at 400']);
  t.same(epochs.onObey(obeyed(600, 8, 'm3', 'm2'), 1), ['cs1 obeyed 1 instructions of epoch 8 from m3, which m2 led']);
  t.same(epochs.onObey({ ...obeyed(700, 9, 'm3'), leader: undefined }, 1), ['cs1 obeyed 1 instructions of epoch 9 from m3, which no election made anyone leader of']);
  t.same([...epochs.obeyed], [[5, 5], [8, 2], [9, 1]]);
});
