import t, { type Test } from 'tap';
import type { Master } from '../../../src/core/index.js';
import { underReplicatedEntries } from '../../../src/protocol/handlers.js';
import { build } from '../../fixtures/app.js';
import { settle } from '../../fixtures/master.js';

// Default core timing: heartbeat 5000 ms, dead after 15000 ms.
const BIG = 50_000;

/** Three servers holding every chunk (target RF 3) and a spare; `big` dies at 15 s, noticed by the next call. */
function bigDeath(master: Master, chunks: number): void {
  const list = Array.from({ length: chunks }, (_, i) => `ch_${i}`);
  for (const server of ['big', 'b', 'c']) master.heartbeat(0, { server, chunks: list });
  master.heartbeat(0, { server: 'd', chunks: [] });
  // Lists this long are applied in steps from tick(), which is off here; a read finishes them.
  master.serverStatus(0);
  for (const server of ['b', 'c', 'd']) master.heartbeat(10_000, { server });
}

/** An app whose core runs sweeps only when a call forces them: the driver's timer is off. */
function frozen(t: { teardown(fn: () => unknown): void }) {
  const built = build(t);
  built.driver.close();
  return built;
}

function metric(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

/** One request right after `big` died, on an app whose timer is off, checked to have dropped none of its replicas. */
async function rightAfterBigDeath(t: Test, url: string, what: string) {
  const { app, clock, driver } = frozen(t);
  bigDeath(driver.master, BIG);
  clock.set(15_000);
  const res = await app.inject({ url });
  t.equal(res.statusCode, 200);
  t.equal(driver.master.replicaCount('big'), BIG, `not one of the dead server's replicas was dropped by the ${what}`);
  return res;
}

t.test('a scrape right after a big death leaves the sweep to the ticks', async (t) => {
  const res = await rightAfterBigDeath(t, '/metrics', 'scrape');
  t.equal(metric(res.body, 'chunkmaster_servers{state="dead"}'), 1);
  t.equal(metric(res.body, 'chunkmaster_live_replicas'), 2 * BIG);
  t.equal(metric(res.body, 'chunkmaster_sweep_replicas'), BIG);
  t.equal(metric(res.body, 'chunkmaster_pending_deletes'), 0);
});

t.test('a /replication page right after a big death leaves the sweep to the ticks', async (t) => {
  const res = await rightAfterBigDeath(t, '/replication?limit=10', 'page');
  const body = res.json();
  t.equal(body.sweep_replicas, BIG);
  t.equal(body.totals_exact, false, 'the totals lag while the sweep is under way');
});

t.test('/metrics carries the default process and Node.js metrics', async (t) => {
  const { app } = build(t);
  const text = (await app.inject({ url: '/metrics' })).body;
  for (const name of ['process_cpu_user_seconds_total', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_version_info']) {
    t.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  t.match(text, /^chunkmaster_under_replicated_chunks\{priority="normal"\} 0$/m, 'our own gauges are still there');
});

t.test('/metrics shows safe mode, then the brake, as the summary has them', async (t) => {
  const { app, clock, driver } = build(t, { core: { safeModeMs: 20_000 } });
  driver.master.heartbeat(0, { server: 's1', chunks: ['a'] });
  driver.master.heartbeat(0, { server: 's2', chunks: ['a'] });
  let text = (await app.inject({ url: '/metrics' })).body;
  t.equal(metric(text, 'chunkmaster_safe_mode'), 1);
  t.equal(metric(text, 'chunkmaster_brake_engaged'), 0);
  clock.set(20_000);
  text = (await app.inject({ url: '/metrics' })).body;
  t.equal(metric(text, 'chunkmaster_safe_mode'), 0);
  t.equal(metric(text, 'chunkmaster_brake_engaged'), 1, 'both servers died at once');
  t.equal(metric(text, 'chunkmaster_under_replicated_chunks{priority="missing"}'), 1);
});

t.test('pages of /replication walk the whole list once, in order, with totals', async (t) => {
  const { app, clock, driver } = build(t);
  const master = driver.master;
  master.heartbeat(0, { server: 's1', chunks: [...Array.from({ length: 12 }, (_, i) => `one_${i}`), ...Array.from({ length: 9 }, (_, i) => `two_${i}`)] });
  master.heartbeat(0, { server: 's2', chunks: Array.from({ length: 9 }, (_, i) => `two_${i}`) });
  master.heartbeat(0, { server: 'gone', chunks: ['lost_a', 'lost_b'] });
  master.heartbeat(0, { server: 's3', chunks: [] });
  for (const server of ['s1', 's2', 's3']) master.heartbeat(10_000, { server });
  clock.set(15_000);
  const pages: { under_replicated: { chunk: string }[]; next_after: string | null; totals: object; totals_exact: boolean }[] = [];
  let url = '/replication?limit=4';
  for (;;) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 200);
    const body = res.json();
    pages.push(body);
    if (body.next_after === null) break;
    url = `/replication?limit=4&after=${body.next_after}`;
  }
  const exact = underReplicatedEntries(master.checkReplication(15_000));
  t.same(pages.flatMap((page) => page.under_replicated), exact, 'the pages are check_replication, in its order');
  t.same(pages.map((page) => page.under_replicated.length), [4, 4, 4, 4, 4, 3]);
  t.same(pages[0]?.totals, { missing: 2, critical: 12, normal: 9 });
  t.ok(pages.every((page) => page.totals_exact));
  t.same(exact.slice(0, 3).map((entry) => entry['chunk']), ['lost_a', 'lost_b', 'one_0']);
});

t.test('/replication pages hold 1000 entries unless asked, and at most 10000', async (t) => {
  const { app, driver } = build(t);
  driver.master.heartbeat(0, { server: 's1', chunks: Array.from({ length: 10_050 }, (_, i) => `ch_${i}`) });
  // Past the per-turn budget, the report is applied in steps, as the driver ticks.
  settle(driver.master, 0);
  driver.master.heartbeat(0, { server: 's2', chunks: [] });
  const first = (await app.inject({ url: '/replication' })).json();
  t.equal(first.under_replicated.length, 1000);
  t.type(first.next_after, 'string');
  t.same(first.totals, { missing: 0, critical: 10_050, normal: 0 });
  const most = (await app.inject({ url: '/replication?limit=10000' })).json();
  t.equal(most.under_replicated.length, 10_000);
  const rest = (await app.inject({ url: `/replication?limit=10000&after=${most.next_after}` })).json();
  t.equal(rest.under_replicated.length, 50);
  t.equal(rest.next_after, null);
});

t.test('a bad limit or cursor gets a JSON 400', async (t) => {
  const { app, driver } = build(t);
  driver.master.heartbeat(0, { server: 's1', chunks: ['a', 'b'] });
  driver.master.heartbeat(0, { server: 's2', chunks: [] });
  const encode = (text: string) => Buffer.from(text).toString('base64url');
  const bad = [
    'limit=0',
    'limit=-1',
    'limit=10001',
    'limit=1.5',
    'limit=abc',
    'limit=',
    'limit=1&limit=2',
    'after=',
    'after=!!',
    `after=${encode('4.a')}`,
    `after=${encode('x.a')}`,
    `after=${encode('01.a')}`,
    `after=${encode('1.')}`,
    `after=${encode(`1.${'h'.repeat(257)}`)}`,
    `after=${Buffer.from([0x31, 0x2e, 0xff]).toString('base64url')}`,
    `after=${encode('1.a')}A`,
  ];
  for (const query of bad) {
    const res = await app.inject({ url: `/replication?${query}` });
    t.equal(res.statusCode, 400, query);
    t.equal(res.json().error, 'Bad Request', query);
    t.match(res.json().message, /querystring\/(limit|after)/, query);
  }
  const ok = await app.inject({ url: `/replication?limit=1&after=${encode('2.a')}` });
  t.equal(ok.statusCode, 200, 'a cursor this master could give');
  t.same(ok.json().under_replicated.map((entry: { chunk: string }) => entry.chunk), ['b']);
});
