// Three real masters on a real etcd and a fleet heartbeating all three
// (CONTRACT 10): the leader killed, a server lost after the failover, a drain
// given to a follower, a leader paused past its lease, etcd hung. One group
// all along, so the steps run in order, each on what the last one left.
import { performance } from 'node:perf_hooks';
import t, { type Test } from 'tap';
import { startEtcd } from '../fixtures/etcd.js';
import { type MasterProcess, getJson, leaderView, metric, poll, postJson, serversOf, settledLeader, shortChunks, startFleet, startMaster } from '../fixtures/ha.js';
import { tick } from '../fixtures/wait.js';

const LEASE_MS = 2000;
const INTERVAL_MS = 500;
const MISSED = 3;
const DEAD_MS = INTERVAL_MS * MISSED;
const RF = 3;
const SERVERS = 12;
/** Room for a loaded machine (the whole suite runs in parallel, on two cores here) in the waits' bounds. */
const SLACK_MS = 1500;
/** CONTRACT 10's bound on a failover. */
const FAILOVER_MS = LEASE_MS + 2000;
const ARGS = [
  '--heartbeat-interval-ms', String(INTERVAL_MS), '--dead-after-missed', String(MISSED), '--replication-factor', String(RF),
  // Safe mode outlasts the fleet's first round: no copy is planned for a chunk whose other holders have yet to report.
  '--leader-lease-ms', String(LEASE_MS), '--safe-mode-ms', '3000',
];

const etcd = await startEtcd(t);
const masters = await Promise.all(['m1', 'm2', 'm3'].map((id) => startMaster(t, etcd, id, ARGS)));
const fleet = await startFleet(t, masters.map((m) => m.url), { servers: SERVERS, chunksPerServer: 10, intervalMs: INTERVAL_MS, replicationFactor: RF });
let { leader, epoch } = await settledLeader(masters, 0, 15_000);
/** Masters running and not paused. */
const up = new Set(masters);
/** Servers the fleet silenced: the only ones a master may call dead. */
const silenced = new Set<string>();
const drained = new Set<string>();

// A failed step shows how each master saw the terms go by.
t.afterEach((t) => {
  if (t.passing()) return;
  for (const master of masters) t.comment(`${master.id}:\n${master.history().join('\n')}`);
  t.comment(`fleet: ${JSON.stringify(fleet.stats.masters)}`);
  t.comment(`etcd:\n${etcd.log()}`);
});

/** Instructions obeyed of `epoch` or a later one. */
const obeyedSince = (epoch: number) => [...fleet.stats.obeyedByEpoch].reduce((sum, [e, n]) => (e >= epoch ? sum + n : sum), 0);

const countsOf = (master: MasterProcess) => fleet.stats.masters[masters.indexOf(master)] as (typeof fleet.stats.masters)[number];

/** Servers each master of `of` calls dead that never stopped: none, or a master got a death wrong. */
async function falseDeaths(of: Iterable<MasterProcess>): Promise<string[]> {
  const found: string[] = [];
  for (const master of of) {
    for (const view of (await serversOf(master)).values()) if (view.status === 'dead' && !silenced.has(view.server)) found.push(`${view.server} on ${master.id}`);
  }
  return found;
}

/** Stops a server that is alive and not drained: it heartbeats no more, and keeps its disk. */
function stopServer(): string {
  const server = fleet.servers.servers.find((s) => !s.silent && !drained.has(s.id));
  if (server === undefined) throw new Error('no server left to stop');
  server.silent = true;
  silenced.add(server.id);
  return server.id;
}

/** Until every master of `of` shows `server` as `status`. */
const shownAs = (of: readonly MasterProcess[], server: string, status: string, timeoutMs: number) =>
  poll(`${server} ${status} on ${of.map((m) => m.id).join(', ')}`, timeoutMs, async () => {
    const views = await Promise.all(of.map(serversOf));
    return views.every((view) => view.get(server)?.status === status) || undefined;
  });

/** Until the leader has nothing left to do: every chunk at RF on the live servers, nothing planned or to sweep. */
const quiet = (what: string) =>
  poll(what, 20_000, async () => {
    const page = await getJson<{ totals: { missing: number; critical: number; normal: number }; pending_copies: number; pending_deletes: number; sweep_replicas: number }>(leader.url, '/replication');
    const { missing, critical, normal } = page.totals;
    const left = missing + critical + normal + page.pending_copies + page.pending_deletes + page.sweep_replicas;
    return left === 0 && shortChunks(fleet.servers, RF).length === 0 ? true : undefined;
  });

/** Kills the leader with SIGKILL and waits for a survivor to lead on a newer epoch; the time that took. */
async function killLeader(t: Test): Promise<number> {
  const old = { leader, epoch };
  up.delete(old.leader);
  const killedAt = performance.now();
  await old.leader.kill('SIGKILL');
  const survivors = [...up];
  await poll('a survivor leading on a newer epoch', FAILOVER_MS + SLACK_MS, async () => {
    const views = await Promise.all(survivors.map(leaderView));
    return views.some((view) => view.role === 'leader' && view.epoch > old.epoch) || undefined;
  });
  const tookMs = performance.now() - killedAt;
  ({ leader, epoch } = await settledLeader(survivors, old.epoch, 5000));
  t.comment(`kill -9 of ${old.leader.id} (epoch ${old.epoch}): ${leader.id} leads at epoch ${epoch} ${Math.round(tookMs)} ms later (lease ${LEASE_MS} ms)`);
  return tookMs;
}

await poll('every master hearing every server', 10_000, async () => {
  const views = await Promise.all(masters.map(serversOf));
  return views.every((view) => view.size === SERVERS && [...view.values()].every((s) => s.status === 'alive')) || undefined;
});
await quiet('a first leader with nothing to do');

t.test('a. kill -9 of the leader: a new leader within the lease + 2 s, no false death, nothing of the old epoch obeyed', async (t) => {
  const old = epoch;
  const tookMs = await killLeader(t);
  // What the old leader said before it died may still be on its way until now, and was its to say.
  const obeyedOld = fleet.stats.obeyedByEpoch.get(old) ?? 0;
  // Polled every 50 ms by a test sharing the machine: a second more than the contract's bound, and the figure printed.
  t.ok(tookMs <= FAILOVER_MS + 1000, `new leader ${Math.round(tookMs)} ms after the kill (bound: lease + 2 s = ${FAILOVER_MS} ms)`);
  // A false death would show within a dead timeout of the failover.
  await tick(DEAD_MS + INTERVAL_MS);
  t.same(await falseDeaths(up), [], 'no server dead on either survivor');
  for (const master of up) t.equal(await metric(master, 'chunkmaster_servers{state="dead"}'), 0, `${master.id}: chunkmaster_servers{state="dead"} 0`);
  t.equal(fleet.stats.obeyedByEpoch.get(old) ?? 0, obeyedOld, 'no instruction of the old epoch obeyed once the new one began');
  t.equal(fleet.stats.obeyedBehindNewest, 0, 'none of an epoch any server had seen superseded');
  for (const master of up) t.equal(countsOf(master).failed, 0, `every heartbeat to ${master.id} answered`);
});

t.test('b. a server lost after the failover: the new leader re-replicates its chunks', async (t) => {
  const victim = fleet.servers.get(stopServer()) as (typeof fleet.servers.servers)[number];
  const copies = fleet.stats.copies;
  const obeyed = obeyedSince(epoch);
  await shownAs([...up], victim.id, 'dead', DEAD_MS + INTERVAL_MS + SLACK_MS);
  await quiet('every chunk back at RF on the live servers, and the new leader satisfied');
  t.comment(`${victim.id} held ${victim.chunks.size} chunks; the fleet made ${fleet.stats.copies - copies} copies`);
  t.ok(fleet.stats.copies - copies >= victim.chunks.size, 'a copy of each of its chunks made');
  t.ok(obeyedSince(epoch) - obeyed >= victim.chunks.size, 'on the new leader\'s word (its term, or a later one of the survivors)');
  t.same(await falseDeaths(up), [], 'and no other server dead');
  t.equal(fleet.stats.obeyedBehindNewest, 0);
});

t.test('the killed master, restarted, follows the leader and hears every server', async (t) => {
  const back = masters.find((m) => !up.has(m)) as MasterProcess;
  await back.restart();
  up.add(back);
  await settledLeader([...up], epoch - 1, 5000);
  t.equal((await leaderView(back)).role, 'follower');
  await poll('every master listing all three', 5000, async () => {
    const views = await Promise.all([...up].map(leaderView));
    return views.every((view) => view.members.map((m) => m.master_id).join() === 'm1,m2,m3') || undefined;
  });
  await poll(`${back.id} hearing every live server`, 10_000, async () => {
    const view = await serversOf(back);
    return view.size === SERVERS - silenced.size && [...view.values()].every((s) => s.status === 'alive') ? true : undefined;
  });
});

t.test('e. a drain sent to a follower survives the leader\'s death', async (t) => {
  const follower = [...up].find((m) => m !== leader) as MasterProcess;
  const server = fleet.servers.servers.find((s) => !s.silent)?.id as string;
  drained.add(server);
  const reply = await fetch(`${follower.url}/servers/${server}/drain`, { method: 'POST', signal: AbortSignal.timeout(5000) });
  t.equal(reply.status, 200, `POST /servers/${server}/drain to ${follower.id}, a follower`);
  t.same(await reply.json(), { server, status: 'draining' });
  await shownAs([...up], server, 'draining', 5000);
  await killLeader(t);
  await shownAs([...up], server, 'draining', 5000);
  t.pass(`${[...up].map((m) => m.id).join(' and ')}, the new leader among them, show ${server} draining`);
  await poll(`${server}'s chunks copied off it by the new leader`, 20_000, () => (shortChunks(fleet.servers, RF, new Set([server])).length === 0 ? true : undefined));
  t.same(await falseDeaths(up), []);
  t.equal(fleet.stats.obeyedBehindNewest, 0);
});

t.test('c. a leader paused past its lease, then resumed: nothing it says after waking is obeyed', async (t) => {
  const sleeper = leader;
  const [other] = [...up].filter((m) => m !== sleeper) as [MasterProcess];
  const old = epoch;
  sleeper.pause();
  const pausedAt = performance.now();
  up.delete(sleeper);
  ({ leader, epoch } = await settledLeader([other], old, FAILOVER_MS + SLACK_MS));
  const obeyed = countsOf(sleeper).obeyed;
  // Sent while it sleeps, read once it wakes. Its lease lapsed a lease after its last renewal, before the pause: it sleeps a lease more.
  const asleep = postJson(sleeper.url, '/heartbeat', { server: fleet.servers.servers[2]?.id }, 10_000);
  await tick(Math.max(200, pausedAt + LEASE_MS + 500 - performance.now()));
  const pausedMs = performance.now() - pausedAt;
  t.comment(`${sleeper.id} stopped at epoch ${old} for ${Math.round(pausedMs)} ms; ${other.id} leads at ${epoch}`);
  t.ok(pausedMs > LEASE_MS, 'longer than its lease');
  sleeper.resume();
  const first = await asleep;
  const told = (first.body['chunks_to_delete'] as unknown[]).length + (first.body['chunks_to_replicate'] as unknown[]).length;
  t.equal(first.status, 200);
  t.equal(first.body['role'], 'follower', `its first reply on waking says follower (epoch ${first.body['epoch']})`);
  t.ok(told === 0 || (first.body['epoch'] as number) < epoch, 'and any instruction in it carries an epoch below the new leader\'s');
  const view = await poll(`${sleeper.id} following ${other.id}`, 3000, async () => {
    const seen = await leaderView(sleeper);
    return seen.role === 'follower' && seen.epoch >= epoch && seen.leader === other.url ? seen : undefined;
  });
  t.pass(`${sleeper.id} names ${other.id} the leader at epoch ${view.epoch} soon after waking`);
  up.add(sleeper);
  await tick(2 * INTERVAL_MS);
  t.equal(countsOf(sleeper).obeyed, obeyed, 'no instruction of the woken master obeyed');
  t.equal(fleet.stats.obeyedBehindNewest, 0, 'nor any of an epoch superseded');
  t.same(await falseDeaths(up), [], 'no false death, on the woken master either');
});

t.test('d. etcd hung: the leader stops instructing within its lease; heartbeats are answered and deaths detected', async (t) => {
  const hungAt = performance.now();
  etcd.pause();
  t.teardown(() => etcd.resume());
  await poll(`${leader.id} silent`, LEASE_MS + SLACK_MS, async () => {
    const [view, gauge] = await Promise.all([leaderView(leader), metric(leader, 'chunkmaster_leader')]);
    return view.role === 'follower' && gauge === 0 ? true : undefined;
  });
  const silentMs = performance.now() - hungAt;
  t.comment(`${leader.id} answered as a follower ${Math.round(silentMs)} ms after etcd hung`);
  t.ok(silentMs <= LEASE_MS + 250, 'within the lease (and one poll)');
  for (const master of up) t.equal((await leaderView(master)).role, 'follower', `${master.id} follows`);

  const answered = [...up].map((m) => [countsOf(m).answered, countsOf(m).failed]);
  await tick(2 * INTERVAL_MS);
  const beating = SERVERS - silenced.size;
  [...up].forEach((m, i) => {
    const [before, failed] = answered[i] as [number, number];
    t.ok(countsOf(m).answered - before >= beating, `${m.id} answered every server's heartbeats (${countsOf(m).answered - before} in ${2 * INTERVAL_MS} ms)`);
    t.equal(countsOf(m).failed, failed, `and refused none`);
  });

  const victim = stopServer();
  await shownAs([...up], victim, 'dead', DEAD_MS + INTERVAL_MS + SLACK_MS);
  t.pass(`${victim} stopped: dead on ${[...up].map((m) => m.id).join(' and ')}`);
  t.same(await falseDeaths(up), [], 'and nothing else');
  // Refused, yet etcd may take it once it wakes: a drain of a live server, which nothing after minds.
  const live = fleet.servers.servers.find((s) => !s.silent && !drained.has(s.id))?.id as string;
  const refused = await fetch(`${leader.url}/servers/${live}/drain`, { method: 'POST', signal: AbortSignal.timeout(5000) });
  t.equal(refused.status, 503, 'a drain is refused: etcd cannot record it');

  etcd.resume();
  ({ leader, epoch } = await settledLeader([...up], epoch - 1, FAILOVER_MS + SLACK_MS));
  t.pass(`etcd back: ${leader.id} leads at epoch ${epoch}`);
  const follower = [...up].find((m) => m !== leader) as MasterProcess;
  // etcd3 fails fast for about 5 s after an outage (its circuit breaker): 503 until then, and retried as an operator
  // would. A try refused for want of an answer may have been taken all the same: then the next finds it forgotten.
  const forgot = await poll(`a forget taken by ${follower.id}`, 10_000, async () => {
    const reply = await fetch(`${follower.url}/servers/${victim}`, { method: 'DELETE', signal: AbortSignal.timeout(5000) });
    return reply.status === 503 ? undefined : reply.status;
  });
  t.ok(forgot === 200 || forgot === 404, `DELETE /servers/${victim} to ${follower.id}, a follower: ${forgot}`);
  await poll(`${victim} forgotten everywhere`, 5000, async () => ((await Promise.all([...up].map(serversOf))).every((view) => !view.has(victim)) ? true : undefined));
  t.pass('every master forgot it, from etcd');
  t.equal(fleet.stats.obeyedBehindNewest, 0);
});
