import t from 'tap';
import { HEALTH_DETAIL_MAX, type HealthReport, type Master, healthOf } from '../../src/core/index.js';
import { EXACT_SWEEP_BOUND } from '../../src/core/filing.js';
import { reportOf } from '../../src/core/health.js';
import { beat, handles, newMaster, settle } from '../fixtures/master.js';

// Default core timing: heartbeat 5000 ms, dead after 15000 ms of silence.

const codes = (report: HealthReport) => report.checks.map((check) => check.code);
const check = (report: HealthReport, code: string) => report.checks.find((found) => found.code === code);

/** `servers` heartbeat at 0 with the chunks given; those in `silent` miss every heartbeat after, the rest beat at 10 s. */
function fleet(holdings: Record<string, string[]>, silent: string[] = [], master: Master = newMaster()): Master {
  for (const [server, chunks] of Object.entries(holdings)) beat(master, 0, server, { chunks });
  settle(master, 0);
  for (const server of Object.keys(holdings)) if (!silent.includes(server)) beat(master, 10_000, server);
  return master;
}

t.test('a fleet with every chunk at target RF is HEALTH_OK with no checks', async (t) => {
  const master = fleet({ a: handles(5), b: handles(5), c: handles(5) });
  t.same(healthOf(master, 12_000), { status: 'HEALTH_OK', checks: [] });
  t.same(healthOf(newMaster(), 0), { status: 'HEALTH_OK', checks: [] }, 'so is an empty one');
});

t.test('a dead server whose chunks are still on two of three replicas is a warning, not an error', async (t) => {
  const master = fleet({ a: handles(4), b: handles(4), c: handles(4), d: [] }, ['a']);
  const report = healthOf(master, 15_000);
  t.equal(report.status, 'HEALTH_WARN');
  t.same(codes(report), ['CHUNKS_UNDER_REPLICATED', 'SERVERS_DEAD'], 'warnings by code');
  t.same(check(report, 'SERVERS_DEAD'), {
    code: 'SERVERS_DEAD',
    severity: 'HEALTH_WARN',
    summary: '1 server dead: its replicas do not count',
    count: 1,
    detail: ['a'],
  });
  const under = check(report, 'CHUNKS_UNDER_REPLICATED');
  t.equal(under?.count, 4);
  t.equal(under?.severity, 'HEALTH_WARN');
  t.match(under?.summary, /^4 chunks under-replicated \(0 critical, 4 normal\), \d+ copies pending$/);
  t.same(under?.detail, ['critical: 0 chunks with 1 replica or none that counts', 'normal: 4 chunks with 2 or more']);
});

t.test('a chunk with no live replica is an error listed before the warnings, naming the chunk', async (t) => {
  const master = fleet({ a: ['only_a', 'shared'], b: ['shared'], c: ['shared'], d: [] }, ['a']);
  settle(master, 15_000);
  const report = healthOf(master, 15_000);
  t.equal(report.status, 'HEALTH_ERR');
  t.same(codes(report), ['CHUNKS_MISSING', 'CHUNKS_UNDER_REPLICATED', 'SERVERS_DEAD'], 'errors first, then warnings, each by code');
  t.same(check(report, 'CHUNKS_MISSING'), {
    code: 'CHUNKS_MISSING',
    severity: 'HEALTH_ERR',
    summary: '1 chunk with no live replica',
    count: 1,
    detail: ['only_a'],
  });
  t.equal(check(report, 'CHUNKS_UNDER_REPLICATED')?.count, 1, 'a missing chunk is not counted as under-replicated too');
});

t.test('missing chunks are named as the queue files them, 50 at most, the longest missing first', async (t) => {
  const first = handles(30, 'first_');
  const second = handles(40, 'second_');
  const master = fleet({ a: first, b: second, c: [], d: [], e: [] }, ['a']);
  settle(master, 15_000);
  beat(master, 20_000, 'b');
  beat(master, 20_000, 'c');
  beat(master, 20_000, 'd');
  beat(master, 20_000, 'e');
  settle(master, 30_000);
  const missing = check(healthOf(master, 30_000), 'CHUNKS_MISSING');
  t.equal(missing?.count, 30);
  t.same(missing?.detail, first);
  settle(master, 35_000);
  const both = check(healthOf(master, 35_000), 'CHUNKS_MISSING');
  t.equal(both?.count, 70, 'b died at 35 s: all 70 are missing');
  t.equal(both?.detail.length, HEALTH_DETAIL_MAX);
  t.same(both?.detail.slice(0, first.length), first, "a's first, as they went missing first");
  t.ok(both?.detail.slice(first.length).every((handle) => second.includes(handle)), "then b's");
});

t.test('a death read before its sweep names the chunks it leaves missing', async (t) => {
  const master = fleet({ a: ['lost_1', 'lost_2', 'kept'], b: ['kept'], c: ['kept'], d: [] }, ['a']);
  const report = healthOf(master, 15_000);
  t.equal(master.replicaCount('a'), 3, 'nothing swept yet');
  t.same(check(report, 'CHUNKS_MISSING')?.detail, ['lost_1', 'lost_2']);
  t.equal(check(report, 'CHUNKS_MISSING')?.count, 2);
});

t.test('a big sweep under way: counts lag and the detail says by how much', async (t) => {
  const list = handles(2 * EXACT_SWEEP_BOUND);
  const master = fleet({ a: list, b: list, c: list, d: [] }, ['a']);
  const report = healthOf(master, 15_000);
  t.equal(master.replicaCount('a'), 2 * EXACT_SWEEP_BOUND, 'the read ran no sweep work');
  t.same(codes(report), ['SERVERS_DEAD'], 'no chunk is re-filed before the sweep reaches it');
  master.tick(15_000);
  const lagging = check(healthOf(master, 15_000), 'CHUNKS_UNDER_REPLICATED');
  t.ok(lagging !== undefined && lagging.count > 0 && lagging.count < 2 * EXACT_SWEEP_BOUND, 'the counts catch up batch by batch');
  t.match(lagging?.detail.at(-1), /^counts are catching up: \d+ replicas of dead servers still to drop$/);
});

t.test('the brake is an error, with how many of the known servers are dead', async (t) => {
  const master = fleet({ a: ['x'], b: ['x'], c: ['x'] }, ['a', 'b']);
  const report = healthOf(master, 15_000);
  t.equal(report.status, 'HEALTH_ERR');
  t.same(codes(report), ['BRAKE_ENGAGED', 'CHUNKS_UNDER_REPLICATED', 'SERVERS_DEAD']);
  const brake = check(report, 'BRAKE_ENGAGED');
  t.equal(brake?.count, 2);
  t.equal(brake?.summary, 'mass-failure brake engaged: 2 of 3 servers dead, no copies or deletes handed out');
  t.equal(brake?.detail.length, 1);
  beat(master, 16_000, 'a');
  t.notOk(check(healthOf(master, 16_000), 'BRAKE_ENGAGED'), 'released once one is back');
});

t.test('safe mode is a warning with the time it may still last', async (t) => {
  const master = newMaster({ safeModeMs: 20_000 });
  beat(master, 0, 'a', { chunks: ['x'] });
  const report = healthOf(master, 4_500);
  t.equal(report.status, 'HEALTH_WARN');
  t.same(check(report, 'SAFE_MODE'), {
    code: 'SAFE_MODE',
    severity: 'HEALTH_WARN',
    summary: 'in safe mode: no copies or deletes handed out, for 16 s more at most',
    count: 1,
    detail: ['ends once every live server has sent a full report, after safe_mode at the soonest'],
  });
  beat(master, 19_000, 'a');
  t.notOk(check(healthOf(master, 20_000), 'SAFE_MODE'), 'over at safe_mode once every server reported');
});

t.test('live servers at or above disk_full_pct are a warning; a dead one is not counted', async (t) => {
  const master = newMaster({ diskFullPct: 90 });
  beat(master, 0, 'full', { chunks: [], disk: 95.5 });
  beat(master, 0, 'edge', { chunks: [], disk: 90 });
  beat(master, 0, 'below', { chunks: [], disk: 89.9 });
  beat(master, 0, 'unknown', { chunks: [] });
  beat(master, 0, 'gone', { chunks: [], disk: 99 });
  for (const server of ['full', 'edge', 'below', 'unknown']) beat(master, 10_000, server);
  const full = check(healthOf(master, 15_000), 'DISK_NEAR_FULL');
  t.same(full, {
    code: 'DISK_NEAR_FULL',
    severity: 'HEALTH_WARN',
    summary: '2 servers at or above 90% disk use: they take no new copies',
    count: 2,
    detail: ['full: 95.5% used', 'edge: 90% used'],
  });
});

t.test('draining servers are a warning naming them; a dead draining one counts as dead', async (t) => {
  const master = fleet({ a: ['x'], b: ['x'], c: ['x'], d: [], e: [] });
  master.drainServer(10_000, 'a');
  master.drainServer(10_000, 'e');
  const report = healthOf(master, 12_000);
  t.same(check(report, 'SERVERS_DRAINING'), {
    code: 'SERVERS_DRAINING',
    severity: 'HEALTH_WARN',
    summary: '2 servers draining: their chunks are being copied elsewhere',
    count: 2,
    detail: ['a', 'e'],
  });
  for (const server of ['a', 'b', 'c', 'd']) beat(master, 20_000, server);
  const later = healthOf(master, 25_000);
  t.same(check(later, 'SERVERS_DRAINING')?.detail, ['a']);
  t.same(check(later, 'SERVERS_DEAD')?.detail, ['e']);
});

t.test('with a group of masters, no leader is an error; a known leader, or a single master, is not', async (t) => {
  const single = newMaster();
  t.notOk(check(healthOf(single, 0), 'NO_LEADER'));
  const master = newMaster();
  master.setLeadership(0, { role: 'follower', epoch: 4, leader: null, until: 0 });
  t.same(healthOf(master, 0), {
    status: 'HEALTH_ERR',
    checks: [{ code: 'NO_LEADER', severity: 'HEALTH_ERR', summary: 'no leader among the masters (epoch 4): none gives instructions', count: 1, detail: [] }],
  });
  master.setLeadership(100, { role: 'follower', epoch: 5, leader: 'http://m2:7070', until: 0 });
  t.same(healthOf(master, 100).checks, [], 'a follower that knows its leader is fine');
  master.setLeadership(200, { role: 'leader', epoch: 6, leader: 'http://m1:7070', until: 10_000 });
  t.same(healthOf(master, 20_000).checks, [], 'a leader past its deadline still names itself: the election has not spoken');
});

t.test('server details stop at 50 in first-heartbeat order; the count is all of them', async (t) => {
  const dead = handles(60, 'dead_');
  const live = handles(70, 'live_');
  const master = newMaster();
  for (const server of [...dead, ...live]) beat(master, 0, server, { chunks: [], disk: 99 });
  for (const server of live) beat(master, 10_000, server);
  const report = healthOf(master, 15_000);
  const servers = check(report, 'SERVERS_DEAD');
  t.equal(servers?.count, 60);
  t.same(servers?.detail, dead.slice(0, HEALTH_DETAIL_MAX));
  const disks = check(report, 'DISK_NEAR_FULL');
  t.equal(disks?.count, 70, 'only the live ones');
  t.equal(disks?.detail.length, HEALTH_DETAIL_MAX);
  t.equal(disks?.detail[0], 'live_0: 99% used');
});

t.test('the report: worst severity first, stable by code, details capped', async (t) => {
  const line = (code: 'SAFE_MODE' | 'NO_LEADER' | 'SERVERS_DEAD' | 'CHUNKS_MISSING', detail: string[] = []) => ({ code, summary: code, count: 1, detail });
  const report = reportOf([line('SERVERS_DEAD'), line('SAFE_MODE'), line('NO_LEADER'), line('CHUNKS_MISSING', handles(80))]);
  t.same(codes(report), ['CHUNKS_MISSING', 'NO_LEADER', 'SAFE_MODE', 'SERVERS_DEAD']);
  t.equal(report.status, 'HEALTH_ERR');
  t.equal(report.checks[0]?.detail.length, HEALTH_DETAIL_MAX);
  t.equal(reportOf([line('SERVERS_DEAD'), line('SAFE_MODE')]).status, 'HEALTH_WARN');
  t.equal(reportOf([]).status, 'HEALTH_OK');
});

t.test('a death read before its sweep names at most 50 of the chunks it leaves missing', async (t) => {
  const lost = handles(60, 'lost_');
  const master = fleet({ a: lost, b: [], c: [] }, ['a']);
  const missing = check(healthOf(master, 15_000), 'CHUNKS_MISSING');
  t.equal(master.replicaCount('a'), 60, 'nothing swept yet');
  t.equal(missing?.count, 60);
  t.equal(missing?.detail.length, HEALTH_DETAIL_MAX);
});
