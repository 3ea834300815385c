import t from 'tap';
import { TokenStore, createToken, digestOf } from '../../../src/runtime/tokens.js';
import { build } from '../../fixtures/app.js';

// Default core timing: heartbeat 5000 ms, dead after 15000 ms of silence.

const operator = createToken();
const cs1 = createToken();
const tokens = TokenStore.parse(JSON.stringify({ servers: { cs1: digestOf(cs1) }, operators: [digestOf(operator)] }));
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Check {
  code: string;
  severity: string;
  summary: string;
  count: number;
  detail: string[];
}

t.test('GET /health of a healthy fleet is HEALTH_OK with no checks; /healthz stays the probe', async (t) => {
  const { app, driver } = build(t);
  for (const server of ['a', 'b', 'c']) driver.master.heartbeat(0, { server, chunks: ['x', 'y'] });
  const res = await app.inject({ url: '/health' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  t.same(res.json(), { status: 'HEALTH_OK', checks: [] });
  t.same((await app.inject({ url: '/healthz' })).json(), { status: 'ok' });
});

t.test('GET /health lists errors first, then warnings, each by code, with every field', async (t) => {
  const { app, clock, driver } = build(t, { core: { diskFullPct: 80 } });
  const master = driver.master;
  master.heartbeat(0, { server: 'gone', chunks: ['only_gone', 'shared'] });
  for (const server of ['b', 'c']) master.heartbeat(0, { server, chunks: ['shared'], diskUsagePct: 85 });
  for (const server of ['d', 'e']) master.heartbeat(0, { server, chunks: [] });
  master.drainServer(0, 'e');
  for (const server of ['b', 'c', 'd', 'e']) master.heartbeat(10_000, { server });
  clock.set(15_000);
  const body = (await app.inject({ url: '/health' })).json() as { status: string; checks: Check[] };
  t.equal(body.status, 'HEALTH_ERR');
  t.same(body.checks.map((check) => [check.code, check.severity]), [
    ['CHUNKS_MISSING', 'HEALTH_ERR'],
    ['CHUNKS_UNDER_REPLICATED', 'HEALTH_WARN'],
    ['DISK_NEAR_FULL', 'HEALTH_WARN'],
    ['SERVERS_DEAD', 'HEALTH_WARN'],
    ['SERVERS_DRAINING', 'HEALTH_WARN'],
  ]);
  t.same(body.checks[0], { code: 'CHUNKS_MISSING', severity: 'HEALTH_ERR', summary: '1 chunk with no live replica', count: 1, detail: ['only_gone'] });
  t.same(Object.keys(body.checks[1] as Check), ['code', 'severity', 'summary', 'count', 'detail'], 'fields in this order');
  t.same(body.checks[2]?.detail, ['b: 85% used', 'c: 85% used']);
  t.same(body.checks[3]?.detail, ['gone']);
  t.same(body.checks[4]?.detail, ['e']);
});

t.test('GET /health caps every detail at 50 and counts them all', async (t) => {
  const { app, clock, driver } = build(t);
  const master = driver.master;
  const dead = Array.from({ length: 70 }, (_, i) => `dead_${i}`);
  const live = Array.from({ length: 80 }, (_, i) => `live_${i}`);
  for (const server of dead) master.heartbeat(0, { server, chunks: [`lost_${server}`] });
  for (const server of live) master.heartbeat(0, { server, chunks: [] });
  for (const server of live) master.heartbeat(10_000, { server });
  clock.set(15_000);
  const body = (await app.inject({ url: '/health' })).json() as { status: string; checks: Check[] };
  const byCode = new Map(body.checks.map((check) => [check.code, check]));
  t.equal(byCode.get('SERVERS_DEAD')?.count, 70);
  t.same(byCode.get('SERVERS_DEAD')?.detail, dead.slice(0, 50));
  t.equal(byCode.get('CHUNKS_MISSING')?.count, 70);
  t.equal(byCode.get('CHUNKS_MISSING')?.detail.length, 50);
  t.notOk(byCode.has('BRAKE_ENGAGED'), '70 of 150 dead is under the brake');
});

t.test('GET /health shows safe mode and the brake', async (t) => {
  const { app, clock, driver } = build(t, { core: { safeModeMs: 20_000 } });
  for (const server of ['a', 'b', 'c']) driver.master.heartbeat(0, { server, chunks: ['x'] });
  const early = (await app.inject({ url: '/health' })).json() as { status: string; checks: Check[] };
  t.same([early.status, early.checks.map((check) => check.code)], ['HEALTH_WARN', ['SAFE_MODE']]);
  clock.set(20_000);
  const late = (await app.inject({ url: '/health' })).json() as { status: string; checks: Check[] };
  t.same(late.checks.map((check) => check.code), ['BRAKE_ENGAGED', 'CHUNKS_MISSING', 'SERVERS_DEAD']);
});

t.test('GET /health needs an operator token, as /servers and /replication do', async (t) => {
  const { app } = build(t, { tokens });
  t.equal((await app.inject({ url: '/health' })).statusCode, 401);
  t.equal((await app.inject({ url: '/health', headers: bearer('wrong') })).statusCode, 401);
  t.equal((await app.inject({ url: '/health', headers: bearer(cs1) })).statusCode, 403, 'a chunk server token does not read it');
  const ok = await app.inject({ url: '/health', headers: bearer(operator) });
  t.equal(ok.statusCode, 200);
  t.equal(ok.json().status, 'HEALTH_OK');
});
