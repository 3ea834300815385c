import { performance } from 'node:perf_hooks';
import { Etcd3 } from 'etcd3';
import t, { type Test } from 'tap';
import { EtcdElection } from '../../src/ha/election.js';
import type { Leadership } from '../../src/ha/leadership.js';
import { type Clock, monotonicClock } from '../../src/runtime/clock.js';
import { type EtcdMember, startEtcd } from '../fixtures/etcd.js';
import { tick, until } from '../fixtures/wait.js';

const LEASE_MS = 2000;

interface Told extends Leadership {
  /** When it was told, by the clock `until` is on. */
  at: number;
}

interface Master {
  id: string;
  url: string;
  election: EtcdElection;
  told: Told[];
  last(): Told | undefined;
}

/** A master's election on `etcd`, closed (resigning) at the test's end unless closed before. */
function startMaster(t: Test, etcd: EtcdMember, id: string, prefix: string, clock?: Clock): Master {
  const told: Told[] = [];
  const url = `http://${id}.test:7070`;
  const election = new EtcdElection({
    endpoints: [etcd.url],
    prefix,
    masterId: id,
    advertiseUrl: url,
    leaderLeaseMs: LEASE_MS,
    onLeadership: (leadership) => told.push({ ...leadership, at: (clock ?? monotonicClock).now() }),
    ...(clock === undefined ? {} : { clock }),
  });
  election.start();
  let closed = false;
  const close = election.close.bind(election);
  election.close = async (options) => {
    closed = true;
    await close(options);
  };
  t.teardown(() => (closed ? undefined : election.close()));
  return { id, url, election, told, last: () => told.at(-1) };
}

const leaders = (masters: readonly Master[]) => masters.filter((m) => m.election.leadership?.role === 'leader');

/** Waits until exactly one leads and every other follows it, all on its epoch; returns the leader. */
async function settled(masters: readonly Master[], what: string): Promise<Master> {
  await until(() => {
    const [leader, ...more] = leaders(masters);
    if (leader === undefined || more.length > 0) return false;
    const { epoch } = leader.election.leadership as Leadership;
    return masters.every((m) => m.election.leadership?.epoch === epoch && m.election.leadership.leader === leader.url);
  }, what);
  return leaders(masters)[0] as Master;
}

t.test('three masters on one etcd: one leader, one epoch, every follower knows its URL, all listed as members', async (t) => {
  const etcd = await startEtcd(t);
  const masters = ['m1', 'm2', 'm3'].map((id) => startMaster(t, etcd, id, 'three/'));
  t.same(masters[0]?.told[0], { role: 'follower', epoch: 0, leader: null, until: 0, at: masters[0]?.told[0]?.at }, 'told at once: nobody known yet');
  const leader = await settled(masters, 'one leader');
  const { epoch } = leader.election.leadership as Leadership;
  t.ok(epoch > 0, `epoch ${epoch}: the create revision of its key`);
  for (const m of masters.filter((m) => m !== leader)) t.same(m.last(), { role: 'follower', epoch, leader: leader.url, until: 0, at: m.last()?.at });
  await until(() => masters.every((m) => m.election.members().length === 3), 'every member seen');
  t.same(leader.election.members(), masters.map((m) => ({ master_id: m.id, url: m.url })));

  const renewals = leader.told.length;
  await until(() => leader.told.length >= renewals + 2, 'two renewals');
  const ups = leader.told.slice(renewals - 1);
  for (let i = 1; i < ups.length; i++) t.ok((ups[i] as Told).until > (ups[i - 1] as Told).until, 'each renewal moves the deadline on');
  for (const told of leader.told.filter((told) => told.role === 'leader')) {
    t.ok(told.until - told.at < LEASE_MS - 500 + 50, 'never further off than the lease less the margin');
  }
  t.equal(leaders(masters).length, 1, 'still one leader');
});

t.test("a leader that dies: another leads within the lease + 2 s, on a higher epoch, and it leaves the members", async (t) => {
  const etcd = await startEtcd(t);
  const masters = ['m1', 'm2', 'm3'].map((id) => startMaster(t, etcd, id, 'crash/'));
  const first = await settled(masters, 'a first leader');
  const firstEpoch = (first.election.leadership as Leadership).epoch;
  const died = performance.now();
  await first.election.close({ resign: false });
  const rest = masters.filter((m) => m !== first);
  const second = await settled(rest, 'a second leader');
  const took = performance.now() - died;
  t.ok(took < LEASE_MS + 2000, `new leader after ${Math.round(took)} ms`);
  t.ok((second.election.leadership as Leadership).epoch > firstEpoch, 'a higher epoch');
  await until(() => rest.every((m) => m.election.members().length === 2), 'the dead one gone from the members once its lease ran out');

  const resigned = performance.now();
  await second.election.close();
  const third = await settled(rest.filter((m) => m !== second), 'a third leader');
  t.ok(performance.now() - resigned < LEASE_MS, 'a resigning leader hands over at once');
  t.ok((third.election.leadership as Leadership).epoch > (second.election.leadership as Leadership).epoch);
});

t.test('etcd paused past the lease: the deadline stops moving and passes before the lease can have, the leader steps down', async (t) => {
  const etcd = await startEtcd(t);
  const masters = ['m1', 'm2'].map((id) => startMaster(t, etcd, id, 'pause/'));
  const leader = await settled(masters, 'a leader');
  const oldEpoch = (leader.election.leadership as Leadership).epoch;
  const toldBefore = leader.told.length;
  etcd.pause();
  const paused = performance.now();
  t.teardown(() => etcd.resume());
  await until(() => leader.election.leadership?.role === 'follower', 'the leader steps down');
  const steppedDown = performance.now();
  const during = leader.told.slice(toldBefore - 1);
  const lastUntil = Math.max(...during.map((told) => told.until));
  t.ok(lastUntil <= paused + LEASE_MS - 500 + 50, 'no renewal was counted from after the pause');
  t.ok(steppedDown < paused + LEASE_MS, `stepped down ${Math.round(steppedDown - paused)} ms into the pause, inside the lease`);
  t.ok(steppedDown >= lastUntil - 50, 'at its deadline, not before');
  await tick(LEASE_MS);
  t.equal(leaders(masters).length, 0, 'nobody leads while etcd is away');
  etcd.resume();
  const next = await settled(masters, 'a leader once etcd is back');
  t.ok((next.election.leadership as Leadership).epoch > oldEpoch, 'on a new term');
});

t.test('a leader whose key goes steps down at once, and campaigns again', async (t) => {
  const etcd = await startEtcd(t);
  const masters = ['m1', 'm2'].map((id) => startMaster(t, etcd, id, 'gone/'));
  const leader = await settled(masters, 'a leader');
  const { epoch, until: deadline } = leader.election.leadership as Leadership;
  const client = new Etcd3({ hosts: etcd.url });
  t.teardown(() => client.close());
  const key = (await client.getAll().prefix('gone/election/leader/').sort('Create', 'Ascend').exec()).kvs[0];
  t.equal(Number(key?.create_revision), epoch, "the epoch is its key's create revision");
  await client.leaseClient.leaseRevoke({ ID: key?.lease as string });
  await until(() => leader.election.leadership?.role === 'follower', 'stepped down');
  t.ok(performance.now() < deadline, 'before its deadline: etcd said the key is gone');
  const next = await settled(masters, 'a new term');
  t.ok((next.election.leadership as Leadership).epoch > epoch);
});

t.test("the deadline is the given clock's: a timer due by the system's clock but early by it waits out the rest", async (t) => {
  const etcd = await startEtcd(t);
  let lag = 0;
  const clock = { now: () => performance.now() - lag };
  const master = startMaster(t, etcd, 'm1', 'lag/', clock);
  await settled([master], 'leading');
  etcd.pause();
  t.teardown(() => etcd.resume());
  const deadline = (master.last() as Told).until;
  lag = 400;
  await until(() => master.election.leadership?.role === 'follower', 'stepped down');
  t.ok(clock.now() >= deadline, 'not before the deadline by the given clock');
  t.ok(performance.now() >= deadline + 400 - 50, 'so 400 ms after it by the system clock');
});

t.test('etcd stopped and started again on its data: followers all round, then a leader again', async (t) => {
  const etcd = await startEtcd(t);
  const masters = ['m1', 'm2'].map((id) => startMaster(t, etcd, id, 'restart/'));
  const leader = await settled(masters, 'a leader');
  const oldEpoch = (leader.election.leadership as Leadership).epoch;
  const stopped = performance.now();
  await etcd.stop();
  await until(() => leaders(masters).length === 0, 'nobody leads');
  t.ok(performance.now() - stopped < LEASE_MS, 'the leader stopped within its lease');
  // Away for longer than etcd3 waits before it calls a lease lost (twice its TTL): every lease is given up.
  await tick(2 * LEASE_MS + 1000);
  await etcd.restart();
  const next = await settled(masters, 'a leader again');
  t.ok((next.election.leadership as Leadership).epoch > oldEpoch);
  // etcd brought back the old leases with its data; unrenewed, they and their keys are gone after one TTL.
  await tick(LEASE_MS + 1000);
  await until(() => masters.every((m) => m.election.members().length === 2), 'both registered again under new leases');
});

t.test('closing before etcd ever answered', async (t) => {
  const etcd = await startEtcd(t);
  await etcd.stop();
  const master = startMaster(t, etcd, 'lonely', 'none/');
  await tick(200);
  t.same(master.election.members(), []);
  await master.election.close();
  t.equal(master.last()?.leader, null);
});
