import t from 'tap';
import { TokenStore, createToken, digestOf } from '../../../src/runtime/tokens.js';
import { build } from '../../fixtures/app.js';

const operator = createToken();
const otherOperator = createToken();
const cs1 = createToken();
const tokens = TokenStore.parse(
  JSON.stringify({ servers: { cs1: digestOf(cs1) }, operators: [digestOf(operator), digestOf(otherOperator)] }),
);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const NAT = '10.0.0.1';

t.test('a fleet behind one address at 2,000 heartbeats a second is never refused and never dies', async (t) => {
  // 2,000 servers every 1,000 ms (the rate of 10,000 servers every 5 s), for 5 s, with the default limits.
  const servers = 2_000;
  const { app, clock } = build(t, { core: { heartbeatIntervalMs: 1_000, deadAfterMissed: 3 } });
  const refused = new Map<number, number>();
  for (let beat = 0; beat < 5 * servers; beat++) {
    const server = `cs${beat % servers}`;
    const res = await app.inject({ method: 'POST', url: '/heartbeat', remoteAddress: NAT, payload: { server, chunks: [`ch_${beat % servers}`] } });
    if (res.statusCode !== 200) refused.set(res.statusCode, (refused.get(res.statusCode) ?? 0) + 1);
    clock.advance(1_000 / servers);
  }
  t.same([...refused], [], 'no heartbeat refused');
  const dead = await app.inject({ url: '/servers?status=dead', remoteAddress: '127.0.0.1' });
  t.equal(dead.json().servers.length, 0, 'no server dead');
});

t.test('a heartbeat over its server\'s budget gets 429 and still counts as liveness', async (t) => {
  // A 1 s window: the budget is 10 heartbeats a second (ten times the interval's), refilled continuously.
  const { app, clock } = build(t, { core: { heartbeatIntervalMs: 1_000, deadAfterMissed: 3 }, limits: { rateLimitMax: 1, rateLimitWindowMs: 1_000 } });
  const beat = (chunks: string[]) => app.inject({ method: 'POST', url: '/heartbeat', payload: { server: 'cs1', chunks } });
  for (let i = 0; i < 10; i++) t.equal((await beat(['a'])).statusCode, 200);
  clock.advance(50);
  const limited = await beat(['a', 'b']);
  t.equal(limited.statusCode, 429);
  t.same(limited.json(), { statusCode: 429, error: 'Too Many Requests', message: limited.json().message });
  t.match(limited.json().message, /server "cs1".*liveness counted/);
  t.equal(limited.headers['retry-after'], '1');
  const status = await app.inject({ url: '/servers/cs1' });
  t.equal(status.statusCode, 200, 'the operator budget of the same address was not charged for heartbeats');
  t.equal(status.json().last_heartbeat_ms_ago, 0, 'the refused heartbeat was liveness');
  t.equal(status.json().chunks, 1, 'but only liveness: its chunk list was not applied');
  clock.advance(100);
  t.equal((await beat(['a', 'b'])).statusCode, 200, 'the budget refills');
});

t.test('a server heartbeating at its interval is never refused, however low --rate-limit-max is', async (t) => {
  const { app, clock } = build(t, { core: { heartbeatIntervalMs: 1_000 }, limits: { rateLimitMax: 1, rateLimitWindowMs: 60_000 } });
  const codes = new Set<number>();
  for (let i = 0; i < 120; i++) {
    codes.add((await app.inject({ method: 'POST', url: '/heartbeat', payload: { server: 'cs1' } })).statusCode);
    clock.advance(1_000);
  }
  t.same([...codes], [200]);
});

t.test('with tokens, a server token\'s own server is limited before its body is read', async (t) => {
  const { app, driver } = build(t, { tokens, core: { heartbeatIntervalMs: 600_000 }, limits: { rateLimitMax: 2 } });
  const send = (payload: string) => app.inject({ method: 'POST', url: '/heartbeat', headers: { ...bearer(cs1), 'content-type': 'application/json' }, payload });
  t.equal((await send('{"server":"cs1"}')).statusCode, 200);
  t.equal((await send('{"server":"cs1"}')).statusCode, 200);
  const limited = await send('{"not json');
  t.equal(limited.statusCode, 429, 'refused unread: not a 400');
  t.ok(limited.headers['retry-after']);
  t.equal(driver.master.server(driver.now(), 'cs1')?.status, 'alive');
  const asOperator = await app.inject({ method: 'POST', url: '/heartbeat', headers: bearer(operator), payload: { server: 'cs9' } });
  t.equal(asOperator.statusCode, 200, 'an operator heartbeating for a server spends that server\'s budget, not cs1\'s');
});

t.test('/healthz is never limited', async (t) => {
  for (const withTokens of [false, true]) {
    const { app } = build(t, { ...(withTokens ? { tokens } : {}), limits: { rateLimitMax: 1, rateLimitAddressMax: 1 } });
    const codes = new Set<number>();
    for (let i = 0; i < 50; i++) codes.add((await app.inject({ url: '/healthz' })).statusCode);
    t.equal((await app.inject({ url: '/servers' })).statusCode, withTokens ? 401 : 200);
    t.equal((await app.inject({ url: '/servers' })).statusCode, 429, 'the address is now over its threshold');
    codes.add((await app.inject({ url: '/healthz' })).statusCode);
    t.same([...codes], [200], withTokens ? 'with tokens' : 'open');
  }
});

t.test('unauthenticated requests are limited per address', async (t) => {
  const { app } = build(t, { tokens, limits: { rateLimitMax: 3 } });
  const guess = (remoteAddress: string) => app.inject({ url: '/servers', headers: bearer('guess'), remoteAddress });
  const codes = [];
  for (let i = 0; i < 5; i++) codes.push((await guess(NAT)).statusCode);
  t.same(codes, [401, 401, 401, 429, 429]);
  const limited = await guess(NAT);
  t.match(limited.json(), { statusCode: 429, error: 'Too Many Requests', message: /unauthenticated requests from 10\.0\.0\.1/ });
  t.ok(Number(limited.headers['retry-after']) >= 1);
  t.equal((await app.inject({ url: '/servers', remoteAddress: NAT })).statusCode, 429, 'no token at all, the same');
  t.equal((await guess('10.0.0.2')).statusCode, 401, 'another address has its own budget');
  t.equal((await app.inject({ url: '/servers', headers: bearer(operator), remoteAddress: NAT })).statusCode, 429, 'an operator token from a guessing address waits too');
  t.equal((await app.inject({ url: '/servers', headers: bearer(operator), remoteAddress: '10.0.0.2' })).statusCode, 200);
  const heartbeat = await app.inject({ method: 'POST', url: '/heartbeat', headers: bearer(cs1), remoteAddress: NAT, payload: { server: 'cs1' } });
  t.equal(heartbeat.statusCode, 200, 'a server behind the guessing address still heartbeats');
});

t.test('operators are limited per identity: per token, or per address when open', async (t) => {
  const { app } = build(t, { tokens, limits: { rateLimitMax: 2 } });
  const get = (token: string, remoteAddress = NAT) => app.inject({ url: '/servers', headers: bearer(token), remoteAddress });
  t.same([(await get(operator)).statusCode, (await get(operator)).statusCode, (await get(operator)).statusCode], [200, 200, 429]);
  t.equal((await get(otherOperator)).statusCode, 200, 'another token from the same address has its own budget');
  t.equal((await get(operator, '10.0.0.2')).statusCode, 429, 'a token is one client wherever it calls from');

  const open = build(t, { limits: { rateLimitMax: 2 } }).app;
  const openGet = (remoteAddress: string) => open.inject({ url: '/replication', remoteAddress });
  t.same([(await openGet(NAT)).statusCode, (await openGet(NAT)).statusCode, (await openGet(NAT)).statusCode], [200, 200, 429]);
  t.equal((await openGet('10.0.0.2')).statusCode, 200);
  const heartbeat = await open.inject({ method: 'POST', url: '/heartbeat', remoteAddress: NAT, payload: { server: 'cs1' } });
  t.equal(heartbeat.statusCode, 200, 'heartbeats from that address spend their servers\' budgets, not the operator\'s');
});

t.test('past the per-address abuse threshold requests are refused before they are read', async (t) => {
  const { app } = build(t, { limits: { rateLimitAddressMax: 3 } });
  const send = (payload: string, remoteAddress = NAT) =>
    app.inject({ method: 'POST', url: '/heartbeat', remoteAddress, headers: { 'content-type': 'application/json' }, payload });
  for (let i = 0; i < 3; i++) t.equal((await send(`{"server":"cs${i}"}`)).statusCode, 200);
  const refused = await send('{"not json');
  t.equal(refused.statusCode, 429, 'not parsed: a 429, not a 400');
  t.match(refused.json().message, /address 10\.0\.0\.1/);
  t.equal((await send('{"server":"cs1"}', '10.0.0.2')).statusCode, 200);
});
