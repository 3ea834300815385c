import t from 'tap';
import type { ChunkServer, ChunkServers } from '../../src/fleet/chunk-servers.js';
import { runFleet } from '../../src/fleet/fleet.js';
import type { MasterCounts } from '../../src/fleet/stats.js';
import { defaultFleetConfig, type FleetConfig } from '../../src/runtime/config.js';
import { type Instructions, startFakeMaster } from '../fixtures/fake-master.js';
import { type Report, type TestMaster, mapMismatches, startRealMaster } from '../fixtures/real-master.js';
import { tick, until } from '../fixtures/wait.js';

function capture() {
  const out = { text: '', write: (s: string) => (out.text += s) };
  return out;
}

const INTERVAL_MS = 40;
/** A master that calls no server dead within a test. */
const PATIENT = { heartbeatIntervalMs: 1000, deadAfterMissed: 3 };

function config(urls: string[], overrides: Partial<FleetConfig> = {}): FleetConfig {
  return { ...defaultFleetConfig(), urls, servers: 1, chunksPerServer: 6, intervalMs: INTERVAL_MS, durationMs: 700, connections: 2, ...overrides };
}

async function run(settings: FleetConfig) {
  const seen: { fleet?: ChunkServers } = {};
  const stdout = capture();
  const stats = await runFleet(settings, undefined, { stdout, stderr: capture(), inspect: (fleet) => (seen.fleet = fleet) });
  return { stats, fleet: seen.fleet as ChunkServers, summary: stdout.text };
}

/** A URL nobody listens on. */
async function closedUrl(): Promise<string> {
  const gone = await startRealMaster();
  await gone.close();
  return gone.url;
}

const removedBy = (master: TestMaster, server: string) => master.reports.flatMap((r) => (r.server === server ? (r.chunks_removed ?? []) : []));
/** What each heartbeat `server` sent carried: a part of a full report, or changes. */
const kinds = (master: TestMaster, server: string) => master.reports.filter((r) => r.server === server).map((r) => (r.chunks === undefined ? 'changes' : 'part'));

/**
 * cs0's disk at first contact, and four of its chunks to delete: A, a stale
 * leader at epoch 5, deletes the first; B, leader at 6, the second; A, elected
 * again at 7, the third; B, now the stale one, the fourth.
 */
function staleAndNewLeaders() {
  const disk: string[] = [];
  const a = (r: Report, nth: number): Instructions => {
    if (nth === 1) disk.push(...(r.chunks ?? []));
    const epoch = nth < 6 ? 5 : 7;
    return { epoch, leader: 'A', chunks_to_delete: nth === 3 ? [disk[0] as string] : nth === 8 ? [disk[2] as string] : [] };
  };
  const b = (_r: Report, nth: number): Instructions => ({ epoch: 6, leader: 'B', chunks_to_delete: nth === 4 ? [disk[1] as string] : nth === 11 ? [disk[3] as string] : [] });
  return { disk, a, b };
}

for (const ws of [false, true]) {
  t.test(`over ${ws ? 'WebSocket' : 'HTTP'}: only instructions of the highest epoch seen from any master are carried out`, async (t) => {
    const plan = staleAndNewLeaders();
    const a = await startFakeMaster({ instruct: plan.a });
    const b = await startFakeMaster({ instruct: plan.b });
    t.teardown(() => Promise.all([a.close(), b.close()]));
    const { stats, fleet, summary } = await run(config([a.url, b.url], { ws, replicationFactor: 1 }));
    t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
    const cs0 = fleet.servers[0] as ChunkServer;
    const [first, second, third, fourth] = plan.disk as [string, string, string, string];
    t.ok(cs0.chunks.has(first), 'epoch 5\'s delete was ignored: B had shown epoch 6');
    t.notOk(cs0.chunks.has(second), 'epoch 6\'s delete was carried out');
    t.notOk(cs0.chunks.has(third), 'A, at epoch 7, is obeyed');
    t.ok(cs0.chunks.has(fourth), 'and B, still at 6, no longer');
    t.same([stats.deletes, stats.staleInstructionsIgnored], [2, 2]);
    t.same([...stats.obeyedByEpoch], [[6, 1], [7, 1]], 'one delete obeyed of each newest epoch');
    t.same(stats.masters.map((m) => m.obeyed), [1, 1]);
    t.equal(stats.obeyedBehindNewest, 0, 'none obeyed of an epoch any server had seen superseded');
    t.same(stats.masters.map((m) => [m.url, m.failed, m.staleInstructionsIgnored, m.epoch, m.role]), [[a.url, 0, 1, 7, 'leader'], [b.url, 0, 1, 6, 'leader']]);
    t.same(stats.masters.map((m) => m.answered), [a.reports.length, b.reports.length], 'every heartbeat answered, counted per master');
    t.same([removedBy(a, 'cs0'), removedBy(b, 'cs0')], [[second, third], [second, third]], 'each master hears of every delete done, whoever asked for it');
    t.match(summary, new RegExp(`\\n {2}master {6}${a.url}: answered \\d+, failed 0, stale-epoch instructions ignored 1; last reply epoch 7, leader\\n`));
    t.match(summary, new RegExp(`\\n {2}master {6}${b.url}: answered \\d+, failed 0, stale-epoch instructions ignored 1; last reply epoch 6, leader\\n`));
    t.match(summary, /\n {2}epochs {6}instructions obeyed: 1 of epoch 6, 1 of epoch 7; of an epoch already superseded 0\n/);
  });
}

t.test('a server that has not heard of a newer epoch obeys the old one: the fleet counts it, since only a master\'s fencing prevents it', async (t) => {
  let victim: string | undefined;
  // cs0 hears epoch 4 from its second heartbeat; cs1 stays at 3 and is told a delete once cs0 has heard 4.
  const master = await startFakeMaster({
    instruct: (r, nth) => {
      if (r.server === 'cs0') return { epoch: nth >= 2 ? 4 : 3 };
      if (nth === 1) victim = r.chunks?.[0];
      return { epoch: 3, chunks_to_delete: nth === 6 && victim !== undefined ? [victim] : [] };
    },
  });
  t.teardown(() => master.close());
  const { stats, fleet, summary } = await run(config([master.url], { servers: 2, replicationFactor: 1 }));
  t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
  t.notOk(fleet.servers[1]?.chunks.has(victim as string), 'cs1 carried the delete out: its own gate saw only epoch 3');
  t.same([stats.deletes, stats.staleInstructionsIgnored, stats.obeyedBehindNewest], [1, 0, 1]);
  t.same([...stats.obeyedByEpoch], [[3, 1]]);
  t.match(summary, /\n {2}epochs {6}instructions obeyed: 1 of epoch 3; of an epoch already superseded 1\n/);
});

t.test('a follower asking for a full report gets it, in parts, and the leader does not', async (t) => {
  const leader = await startFakeMaster({ instruct: () => ({ epoch: 3, role: 'leader' }) });
  const follower = await startFakeMaster({ instruct: (r, nth) => ({ epoch: 3, role: 'follower', leader: leader.url, full_report: r.server === 'cs0' && nth === 5 }) });
  t.teardown(() => Promise.all([leader.close(), follower.close()]));
  const { stats } = await run(config([leader.url, follower.url], { servers: 2, chunksPerServer: 10, replicationFactor: 1, reportPartSize: 4, durationMs: 500 }));
  t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
  const contact = ['part', 'part', 'part', 'changes', 'changes'];
  t.same(kinds(follower, 'cs0').slice(0, 9), [...contact, 'part', 'part', 'part', 'changes'], 'asked in its fifth heartbeat, cs0 sends the follower its list again, in three parts');
  t.same(kinds(leader, 'cs0').filter((kind) => kind === 'part').length, 3, 'the leader got it once, at first contact');
  t.same(kinds(follower, 'cs1').filter((kind) => kind === 'part').length, 3, 'and the follower nothing more from a server it did not ask');
  t.same([stats.reports.asked, stats.reports.full], [1, 5]);
  t.same(new Set(follower.reports.filter((r) => r.server === 'cs0').map((r) => r.report?.id).filter(Boolean)).size, 2, 'under a fresh id');
});

t.test('two masters without HA: both are obeyed, each learns every change, and both maps end equal to the disks', async (t) => {
  const a = await startRealMaster({ core: PATIENT });
  const b = await startRealMaster({ core: PATIENT });
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const churn = Math.round((3 * 60_000) / INTERVAL_MS);
  const { stats, fleet, summary } = await run(config([a.url, b.url], { servers: 4, churnPerMin: churn, durationMs: 1000 }));
  t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
  t.same([a, b].map((m) => m.reports.filter((r) => r.chunks !== undefined).length), [4, 4], 'a full list from each server to each master, once');
  t.ok(stats.reports.changes > 2 * 4 * 10, `churn made changes, sent to both (${stats.reports.changes})`);
  t.same(await mapMismatches(a, fleet, 0), [], 'A\'s map equals the disks');
  t.same(await mapMismatches(b, fleet, 1), [], 'and B\'s');
  t.equal(stats.staleInstructionsIgnored, 0);
  t.match(summary, /\n {2}master {6}\S+: answered \d+, failed 0, stale-epoch instructions ignored 0\n/, 'no epoch, none shown');
});

t.test('a master hanging and one not there hold back no heartbeat to the one that answers', async (t) => {
  const answering = await startFakeMaster({ instruct: () => ({}) });
  const hanging = await startFakeMaster({ instruct: () => ({ hang: true }) });
  const gone = await closedUrl();
  t.teardown(() => Promise.all([answering.close(), hanging.close()]));
  // Closing drops its hung requests, so the run's end need not wait them out.
  setTimeout(() => void hanging.close(), 500);
  const { stats } = await run(config([answering.url, hanging.url, gone], { servers: 2, durationMs: 600 }));
  const [up, hung, down] = stats.masters as [MasterCounts, MasterCounts, MasterCounts];
  t.ok(up.answered >= 2 * 12, `the answering master heard every beat (${up.answered})`);
  t.equal(up.failed, 0);
  t.equal(hanging.reports.length, 2, 'one hung heartbeat each: the next ones waited for it, to that master only');
  t.ok(stats.skipped >= 2 * 8, `beats skipped for the hung master (${stats.skipped})`);
  t.ok(hung.failed >= 2, 'its requests failed when it went away');
  t.same([down.answered, down.failed > 2 * 10], [0, true], 'every heartbeat to the master not there failed, and was tried again each beat');
  t.match(stats.lastError, /^http:\/\/127\.0\.0\.1:\d+: /, 'the error names its master');
});

t.test('a death is seen when any master says dead, one of them not there', async (t) => {
  const quick = { heartbeatIntervalMs: 50, deadAfterMissed: 4 };
  const a = await startRealMaster({ core: quick });
  const b = await startRealMaster({ core: quick });
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const { stats } = await run(config([await closedUrl(), a.url, b.url], { servers: 3, kill: { count: 1, atMs: 200 }, durationMs: 900 }));
  t.same([stats.killed, stats.deathsSeen], [1, 1]);
  t.ok((stats.detectionMs[0] ?? 0) >= 200, 'no sooner than the masters say');
});

t.test('--ws: a master that cannot be reached fails the start, and the sockets opened to the others are closed', async (t) => {
  const up = await startFakeMaster({ instruct: () => ({}) });
  t.teardown(() => up.close());
  await t.rejects(runFleet(config([up.url, await closedUrl()], { ws: true }), undefined, { stdout: capture(), stderr: capture() }), /ECONNREFUSED/);
  await until(() => up.openSockets() === 0, 'the socket to the reachable master closed');
  await tick(20);
  t.equal(up.reports.length, 0, 'nothing was sent');
});
