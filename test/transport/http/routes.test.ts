import t from 'tap';
import { build } from '../../fixtures/app.js';

const heartbeat = (payload: unknown) => ({ method: 'POST' as const, url: '/heartbeat', payload: payload as object });

t.test('POST /heartbeat registers a server and always carries both instruction lists', async (t) => {
  const { app } = build(t);
  const res = await app.inject(heartbeat({ server: 'cs1', chunks: ['ch_001', 'ch_002', 'ch_001'], disk_usage_pct: 45 }));
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'alive', chunks_to_delete: [], chunks_to_replicate: [], full_report: false });
  const server = await app.inject({ url: '/servers/cs1' });
  t.same(server.json(), {
    server: 'cs1',
    status: 'alive',
    chunks: 2,
    last_heartbeat_ms_ago: 0,
    disk_usage_pct: 45,
    health: 'healthy',
    missed_heartbeats: 0,
    instructions: { copies_out: 0, copies_in: 0, deletes: 0 },
  });
});

t.test('a bad heartbeat body gets 400 naming the field and changes nothing', async (t) => {
  const { app } = build(t);
  const cases: [unknown, RegExp][] = [
    [{ chunks: ['a'] }, /server/],
    [{ server: '' }, /server/],
    [{ server: 'cs1', disk_usage_pct: 101 }, /disk_usage_pct/],
    [{ server: 'cs1', disk_usage_pct: '45' }, /disk_usage_pct/],
    [{ server: 'cs1', health: 'sad' }, /health/],
    [{ server: 'cs1', chunks: ['ok', 7] }, /chunks/],
    [{ server: 'cs1', chunks: [''] }, /chunks/],
    [{ server: 'x'.repeat(257) }, /server/],
  ];
  for (const [payload, field] of cases) {
    const res = await app.inject(heartbeat(payload));
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    const body = res.json();
    t.equal(body.statusCode, 400);
    t.equal(body.error, 'Bad Request');
    t.match(body.message, field);
  }
  const invalidJson = await app.inject({ method: 'POST', url: '/heartbeat', headers: { 'content-type': 'application/json' }, payload: '{"server":' });
  t.equal(invalidJson.statusCode, 400);
  t.same((await app.inject({ url: '/servers' })).json(), { servers: [] }, 'no server was registered');
  const unknownField = await app.inject(heartbeat({ server: 'cs1', surprise: true }));
  t.equal(unknownField.statusCode, 200, 'unknown fields are ignored, as on stdio');
});

t.test('a body past the limit gets 413; a 300k-chunk report fits the default', async (t) => {
  const small = build(t, { limits: { bodyLimitBytes: 1024 } });
  const tooBig = await small.app.inject(heartbeat({ server: 'cs1', chunks: Array.from({ length: 200 }, (_, i) => `ch_${i}`) }));
  t.equal(tooBig.statusCode, 413);
  t.equal(tooBig.json().error, 'Payload Too Large');

  const { app } = build(t);
  const chunks = Array.from({ length: 300_000 }, (_, i) => `ch_${String(i).padStart(6, '0')}`);
  const res = await app.inject(heartbeat({ server: 'big', chunks, disk_usage_pct: 10 }));
  t.equal(res.statusCode, 200);
  t.equal((await app.inject({ url: '/servers/big' })).json().chunks, 300_000);
});

t.test('GET /servers lists in first-heartbeat order and filters by status', async (t) => {
  const { app, clock } = build(t, { core: { heartbeatIntervalMs: 1000, deadAfterMissed: 3 } });
  await app.inject(heartbeat({ server: 'cs1', chunks: ['a'] }));
  clock.advance(2000);
  await app.inject(heartbeat({ server: 'cs2', chunks: ['a', 'b'], health: 'degraded' }));
  clock.advance(1500);
  const all = (await app.inject({ url: '/servers' })).json().servers;
  t.same(all.map((s: { server: string; status: string; chunks: number }) => [s.server, s.status, s.chunks]), [
    ['cs1', 'dead', 0],
    ['cs2', 'alive', 2],
  ]);
  t.equal(all[1].health, 'degraded');
  t.equal(all[1].last_heartbeat_ms_ago, 1500);
  t.equal(all[1].missed_heartbeats, 1);
  const dead = (await app.inject({ url: '/servers?status=dead' })).json().servers;
  t.same(dead.map((s: { server: string }) => s.server), ['cs1']);
  const bad = await app.inject({ url: '/servers?status=zombie' });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().message, /status/);
});

t.test('unknown servers and routes get 404 in Fastify error shape', async (t) => {
  const { app } = build(t);
  for (const req of [{ url: '/servers/nope' }, { method: 'POST' as const, url: '/servers/nope/drain' }, { url: '/nothing-here' }]) {
    const res = await app.inject(req);
    t.equal(res.statusCode, 404, req.url);
    t.same(Object.keys(res.json()).sort(), ['error', 'message', 'statusCode']);
  }
});

t.test('GET /chunks/{handle} lists live holders; an unknown chunk has none', async (t) => {
  const { app } = build(t);
  await app.inject(heartbeat({ server: 'cs1', chunks: ['ch_1'] }));
  await app.inject(heartbeat({ server: 'cs2', chunks: ['ch_1', 'ch_2'] }));
  t.same((await app.inject({ url: '/chunks/ch_1' })).json(), { chunk: 'ch_1', servers: ['cs1', 'cs2'] });
  t.same((await app.inject({ url: '/chunks/ch_9' })).json(), { chunk: 'ch_9', servers: [] });
});

t.test('GET /servers/{id} counts the copies and deletes a server takes part in until they are confirmed', async (t) => {
  const { app, clock } = build(t, { core: { replicationFactor: 2 } });
  const disks: Record<string, string[]> = { a: ['c1', 'c2'], b: ['c2', 'c3'], c: ['c2', 'c3'] };
  for (const [server, chunks] of Object.entries(disks)) await app.inject(heartbeat({ server, chunks }));
  const instructions = async (id: string) => (await app.inject({ url: `/servers/${id}` })).json().instructions;
  clock.advance(1000);
  // c1 has one replica, on a: a is asked for a copy. c2 has three: one is to go.
  const reply = (await app.inject(heartbeat({ server: 'a', chunks: disks['a'] }))).json();
  t.equal(reply.chunks_to_replicate.length, 1, 'a copy of c1 from a');
  const target = reply.chunks_to_replicate[0].target as string;
  const before = { a: await instructions('a'), b: await instructions('b'), c: await instructions('c') };
  t.match(before.a, { copies_out: 1, copies_in: 0 });
  t.match(before[target as 'b' | 'c'], { copies_out: 0, copies_in: 1 });
  t.equal(before.a.deletes + before.b.deletes + before.c.deletes, 1, "one of c2's three replicas is to be deleted");
  await app.inject(heartbeat({ server: target, chunks: [...(disks[target] as string[]), 'c1'] }));
  t.equal((await instructions(target)).copies_in, 0, "confirmed by the target's report");
  t.equal((await instructions('a')).copies_out, 0);
});

t.test('POST /servers/{id}/drain marks the server draining', async (t) => {
  const { app } = build(t);
  await app.inject(heartbeat({ server: 'cs1' }));
  const res = await app.inject({ method: 'POST', url: '/servers/cs1/drain' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { server: 'cs1', status: 'draining' });
  t.equal((await app.inject(heartbeat({ server: 'cs1' }))).json().status, 'draining');
});

t.test('GET /replication reports under-replicated chunks with safe-mode and brake state', async (t) => {
  const { app, clock } = build(t, { core: { safeModeMs: 10_000, heartbeatIntervalMs: 1000, deadAfterMissed: 1 } });
  await app.inject(heartbeat({ server: 'cs1', chunks: ['lonely', 'shared'] }));
  await app.inject(heartbeat({ server: 'cs2', chunks: ['shared'] }));
  let body = (await app.inject({ url: '/replication' })).json();
  t.equal(body.safe_mode, true);
  t.equal(body.safe_mode_remaining_ms, 10_000);
  t.equal(body.brake_engaged, false);
  t.equal(typeof body.pending_copies, 'number');
  t.same(body.under_replicated.map((e: { chunk: string; priority: string }) => [e.chunk, e.priority]), [['lonely', 'critical']]);
  clock.advance(10_000);
  body = (await app.inject({ url: '/replication' })).json();
  t.equal(body.safe_mode, false);
  t.equal(body.brake_engaged, true, 'both servers died at once');
  t.same(body.under_replicated.map((e: { chunk: string; current_rf: number }) => [e.chunk, e.current_rf]), [['lonely', 0], ['shared', 0]]);
});

t.test('GET /readyz is 503 in safe mode and 200 after; /healthz is always 200', async (t) => {
  const { app, clock } = build(t, { core: { safeModeMs: 15_000 } });
  const early = await app.inject({ url: '/readyz' });
  t.equal(early.statusCode, 503);
  t.equal(early.json().error, 'Service Unavailable');
  t.match(early.json().message, /safe mode/);
  t.same((await app.inject({ url: '/healthz' })).json(), { status: 'ok' });
  clock.advance(15_000);
  const ready = await app.inject({ url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ready' });
});

t.test('hostile ids and handles are data', async (t) => {
  const { app } = build(t);
  const ids = ['__proto__', 'constructor', 'hasOwnProperty', 'ünïcødé-😀', 'x'.repeat(256), 'a/b', 'sp ace'];
  for (const id of ids) {
    const res = await app.inject(heartbeat({ server: id, chunks: [id, '__proto__'] }));
    t.equal(res.statusCode, 200, id);
  }
  for (const id of ids) {
    const res = await app.inject({ url: `/servers/${encodeURIComponent(id)}` });
    t.equal(res.statusCode, 200, `GET ${id}`);
    t.equal(res.json().server, id);
    t.equal(res.json().chunks, id === '__proto__' ? 1 : 2);
  }
  const holders = (await app.inject({ url: `/chunks/${encodeURIComponent('__proto__')}` })).json();
  t.same(holders.servers, ids);
  t.equal((await app.inject({ url: '/servers' })).json().servers.length, ids.length);
  t.equal((await app.inject({ url: '/servers/toString' })).statusCode, 404);
});

t.test('GET /metrics exposes core state and heartbeat counts in Prometheus text', async (t) => {
  const { app, clock } = build(t, { core: { heartbeatIntervalMs: 1000, deadAfterMissed: 1, replicationFactor: 2 } });
  await app.inject(heartbeat({ server: 'cs1', chunks: ['a', 'b'] }));
  await app.inject(heartbeat({ server: 'cs2', chunks: ['a'] }));
  await app.inject(heartbeat({ server: 'cs3' }));
  await app.inject(heartbeat({ server: 'cs1', disk_usage_pct: 'full' }));
  clock.advance(500);
  await app.inject(heartbeat({ server: 'cs1' }));
  await app.inject(heartbeat({ server: 'cs3' }));
  clock.advance(600);
  const res = await app.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain/);
  const text = res.body;
  const value = (line: string) => {
    const found = text.split('\n').find((l) => l.startsWith(line + ' '));
    return found === undefined ? undefined : Number(found.slice(line.length + 1));
  };
  t.equal(value('chunkmaster_servers{state="alive"}'), 2);
  t.equal(value('chunkmaster_servers{state="dead"}'), 1);
  t.equal(value('chunkmaster_servers{state="draining"}'), 0);
  t.equal(value('chunkmaster_live_replicas'), 2);
  t.equal(value('chunkmaster_under_replicated_chunks{priority="critical"}'), 2);
  t.equal(value('chunkmaster_under_replicated_chunks{priority="missing"}'), 0);
  t.equal(value('chunkmaster_heartbeats_received_total{outcome="ok"}'), 5);
  t.equal(value('chunkmaster_heartbeats_received_total{outcome="rejected"}'), 1);
  t.equal(value('chunkmaster_heartbeat_handling_seconds_count'), 5);
  t.equal(value('chunkmaster_safe_mode'), 0);
  t.equal(value('chunkmaster_brake_engaged'), 0);
  t.equal(value('chunkmaster_pending_copies'), 0);
});

t.test('DELETE /servers/:id forgets a dead server; a live one gets 409, an unknown one 404', async (t) => {
  const { app, clock } = build(t);
  await app.inject(heartbeat({ server: 'cs1', chunks: ['a', 'b'] }));
  await app.inject(heartbeat({ server: 'cs2', chunks: ['a'] }));
  const live = await app.inject({ method: 'DELETE', url: '/servers/cs1' });
  t.equal(live.statusCode, 409);
  t.match(live.json(), { statusCode: 409, error: 'Conflict', message: /"cs1" is alive/ });
  clock.advance(10_000);
  await app.inject(heartbeat({ server: 'cs2' }));
  clock.advance(5_000);
  t.equal((await app.inject({ url: '/servers/cs1' })).json().status, 'dead');
  const forgotten = await app.inject({ method: 'DELETE', url: '/servers/cs1' });
  t.equal(forgotten.statusCode, 200);
  t.same(forgotten.json(), { server: 'cs1', forgotten: true });
  t.equal((await app.inject({ url: '/servers/cs1' })).statusCode, 404, 'gone from /servers/:id');
  t.same((await app.inject({ url: '/servers' })).json().servers.map((s: { server: string }) => s.server), ['cs2'], 'and from /servers');
  t.same((await app.inject({ url: '/chunks/b' })).json(), { chunk: 'b', servers: [] });
  const again = await app.inject({ method: 'DELETE', url: '/servers/cs1' });
  t.equal(again.statusCode, 404);
  t.match(again.json(), { statusCode: 404, message: /unknown server "cs1"/ });
  const bad = await app.inject({ method: 'DELETE', url: `/servers/${'x'.repeat(257)}` });
  t.equal(bad.statusCode, 400, 'an id over 256 units is refused');
});
