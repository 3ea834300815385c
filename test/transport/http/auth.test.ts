import t from 'tap';
import { TokenStore, createToken, digestOf } from '../../../src/runtime/tokens.js';
import { build } from '../../fixtures/app.js';

const operator = createToken();
const cs1 = createToken();
const protoServer = createToken();
const tokens = TokenStore.parse(
  JSON.stringify({ servers: { cs1: digestOf(cs1), ['__proto__']: digestOf(protoServer) }, operators: [digestOf(operator)] }),
);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

t.test('every route but /healthz needs a bearer token (401)', async (t) => {
  const { app } = build(t, { tokens });
  const routes = [
    { method: 'POST' as const, url: '/heartbeat', payload: { server: 'cs1' } },
    { method: 'GET' as const, url: '/servers' },
    { method: 'GET' as const, url: '/servers/cs1' },
    { method: 'GET' as const, url: '/chunks/ch_1' },
    { method: 'GET' as const, url: '/replication' },
    { method: 'POST' as const, url: '/servers/cs1/drain' },
    { method: 'GET' as const, url: '/readyz' },
    { method: 'GET' as const, url: '/metrics' },
  ];
  for (const route of routes) {
    for (const headers of [{}, bearer('wrong'), { authorization: `Basic ${operator}` }, { authorization: `Bearer ${operator} extra` }]) {
      const res = await app.inject({ ...route, headers });
      t.equal(res.statusCode, 401, `${route.method} ${route.url} ${JSON.stringify(headers)}`);
      t.equal(res.json().error, 'Unauthorized');
      t.equal(res.headers['www-authenticate'], 'Bearer');
    }
    const ok = await app.inject({ ...route, headers: bearer(operator) });
    t.not(ok.statusCode, 401, `${route.method} ${route.url} with an operator token`);
  }
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, '/healthz stays open');
  t.same((await app.inject({ url: '/servers', headers: bearer(operator) })).json().servers.length, 1, 'only the operator heartbeat landed');
});

t.test('a server token heartbeats only as its own server and never reads or drains (403)', async (t) => {
  const { app } = build(t, { tokens });
  const own = await app.inject({ method: 'POST', url: '/heartbeat', headers: bearer(cs1), payload: { server: 'cs1', chunks: ['a'] } });
  t.equal(own.statusCode, 200);
  const other = await app.inject({ method: 'POST', url: '/heartbeat', headers: bearer(cs1), payload: { server: 'cs2' } });
  t.equal(other.statusCode, 403);
  t.equal(other.json().error, 'Forbidden');
  for (const url of ['/servers', '/servers/cs1', '/chunks/a', '/replication', '/metrics', '/readyz']) {
    t.equal((await app.inject({ url, headers: bearer(cs1) })).statusCode, 403, url);
  }
  t.equal((await app.inject({ method: 'POST', url: '/servers/cs1/drain', headers: bearer(cs1) })).statusCode, 403);
  const proto = await app.inject({ method: 'POST', url: '/heartbeat', headers: bearer(protoServer), payload: { server: '__proto__' } });
  t.equal(proto.statusCode, 200, 'a server named __proto__ has its own token');
  const servers = (await app.inject({ url: '/servers', headers: bearer(operator) })).json().servers;
  t.same(servers.map((s: { server: string; status: string }) => [s.server, s.status]), [['cs1', 'alive'], ['__proto__', 'alive']]);
});

t.test('past the rate limit a client gets 429; each client has its own budget', async (t) => {
  // A long interval, so that the heartbeat budget is --rate-limit-max itself (see limits.test.ts).
  const { app } = build(t, { tokens, core: { heartbeatIntervalMs: 600_000 }, limits: { rateLimitMax: 3, rateLimitWindowMs: 60_000 } });
  const codes: number[] = [];
  for (let i = 0; i < 5; i++) {
    codes.push((await app.inject({ method: 'POST', url: '/heartbeat', headers: bearer(cs1), payload: { server: 'cs1' } })).statusCode);
  }
  t.same(codes, [200, 200, 200, 429, 429]);
  const limited = await app.inject({ method: 'POST', url: '/heartbeat', headers: bearer(cs1), payload: { server: 'cs1' } });
  t.equal(limited.json().statusCode, 429);
  t.equal(limited.json().error, 'Too Many Requests');
  const otherClient = await app.inject({ method: 'POST', url: '/heartbeat', headers: bearer(protoServer), payload: { server: '__proto__' } });
  t.equal(otherClient.statusCode, 200, 'another server is not throttled by cs1');
});

t.test('a fleet larger than the old 5,000-client limiter cache keeps every counter', async (t) => {
  const { app } = build(t, { limits: { rateLimitMax: 1, rateLimitWindowMs: 60_000 } });
  const get = (i: number) => app.inject({ url: '/servers', remoteAddress: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` });
  t.equal((await get(0)).statusCode, 200);
  for (let i = 1; i <= 6000; i++) await get(i);
  t.equal((await get(0)).statusCode, 429, 'the first client is still over its limit after 6,000 others');
});

t.test('without a token store the daemon is open', async (t) => {
  const { app } = build(t);
  t.equal((await app.inject({ url: '/servers' })).statusCode, 200);
  t.equal((await app.inject({ url: '/servers', headers: bearer('anything') })).statusCode, 200);
});

t.test('tokens files are checked', async (t) => {
  t.throws(() => TokenStore.parse('{'), /not JSON/);
  t.throws(() => TokenStore.parse('{"operators": ["md5:abc"]}'), /operators\/0/);
  t.throws(() => TokenStore.parse('{"servers": {"cs1": "sha256:XYZ"}}'), /servers\/cs1/);
  t.throws(() => TokenStore.parse('{"admins": []}'), /admins|additional/i);
  t.throws(() => TokenStore.load('/nonexistent/tokens.json'), /ENOENT/);
  const store = TokenStore.parse(JSON.stringify({ operators: [digestOf('op')] }));
  t.same(store.identify('op'), { kind: 'operator' });
  t.equal(store.identify('op '), undefined);
  t.equal(store.size, 1);
  t.match(digestOf('abc'), /^sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad$/);
  t.not(createToken(), createToken());
});
