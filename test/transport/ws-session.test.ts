import t from 'tap';
import { TokenStore, createToken, digestOf } from '../../src/runtime/tokens.js';
import { build, listen } from '../fixtures/app.js';
import { BuggyMaster } from '../fixtures/buggy-master.js';
import { connect, upgradeStatus } from '../fixtures/ws.js';

t.test('each frame gets the body the stdio node would send, numbered from 0 per connection', async (t) => {
  const { app } = build(t);
  const { ws } = await listen(app);
  const client = await connect(ws);
  t.teardown(() => client.close());
  client.send({ type: 'heartbeat', msg_id: 7, server: 'cs1', chunks: ['ch_1', 'ch_2'] });
  t.same(await client.next(), { type: 'heartbeat_ok', in_reply_to: 7, status: 'alive', msg_id: 0 });
  client.send({ src: 'cs2', dest: 'n1', body: { type: 'heartbeat', msg_id: 8, chunks: ['ch_1'] } });
  t.same(await client.next(), { type: 'heartbeat_ok', in_reply_to: 8, status: 'alive', msg_id: 1 }, 'an envelope src names the server');
  client.send({ type: 'chunk_locations', msg_id: 9, chunk: 'ch_1' });
  t.same(await client.next(), { type: 'chunk_locations_ok', in_reply_to: 9, chunk: 'ch_1', servers: ['cs1', 'cs2'], msg_id: 2 });
  client.send({ type: 'server_status', msg_id: 10 });
  const status = await client.next();
  t.same(status['servers'], [
    { server: 'cs1', status: 'alive', chunks: 2, last_heartbeat_ms_ago: 0 },
    { server: 'cs2', status: 'alive', chunks: 1, last_heartbeat_ms_ago: 0 },
  ]);
  client.send({ type: 'check_replication', msg_id: 11 });
  t.same(await client.next(), {
    type: 'check_replication_ok',
    in_reply_to: 11,
    under_replicated: [{ chunk: 'ch_2', current_rf: 1, target_rf: 3, priority: 'critical' }],
    msg_id: 4,
  });
  client.send({ type: 'drain_server', msg_id: 12, server: 'cs2' });
  t.same(await client.next(), { type: 'drain_server_ok', in_reply_to: 12, server: 'cs2', status: 'draining', msg_id: 5 });

  const second = await connect(ws);
  t.teardown(() => second.close());
  second.send({ type: 'check_replication', msg_id: 1 });
  t.equal((await second.next())['msg_id'], 0, 'a new connection numbers from 0');
});

t.test('a bug met while answering a frame gets error 13 and the daemon keeps serving', async (t) => {
  const master = new BuggyMaster(0, { safeModeMs: 0 });
  const { app } = build(t, { master: () => master });
  const { ws } = await listen(app);
  const client = await connect(ws);
  t.teardown(() => client.close());
  const crash = { type: 'error', code: 13, text: 'internal error; the message may not have been applied' };
  client.send({ type: 'heartbeat', msg_id: 1, server: 'cs1' });
  t.same(await client.next(), { ...crash, in_reply_to: 1, msg_id: 0 }, 'a heartbeat, counted through the metrics hook');
  client.send({ type: 'server_status', msg_id: 2 });
  t.same(await client.next(), { ...crash, in_reply_to: 2, msg_id: 1 });
  master.fixed = true;
  client.send({ type: 'heartbeat', msg_id: 3, server: 'cs1' });
  t.same(await client.next(), { type: 'heartbeat_ok', in_reply_to: 3, status: 'alive', full_report: true, msg_id: 2 }, 'the same socket keeps serving');
});

t.test('invalid frames get error bodies and the socket stays open', async (t) => {
  const { app } = build(t);
  const { ws } = await listen(app);
  const client = await connect(ws);
  t.teardown(() => client.close());
  client.send('not json');
  t.match(await client.next(), { type: 'error', code: 12, msg_id: 0 });
  client.send('[1, 2]');
  t.match(await client.next(), { type: 'error', code: 12, text: /object/, msg_id: 1 });
  client.send({ type: 'launch_rockets', msg_id: 3 });
  t.match(await client.next(), { type: 'error', in_reply_to: 3, code: 10, msg_id: 2 });
  client.send({ type: 'heartbeat', msg_id: 4, server: 'cs1', disk_usage_pct: 'lots' });
  t.match(await client.next(), { type: 'error', in_reply_to: 4, code: 12, text: /disk_usage_pct/, msg_id: 3 });
  client.send({ type: 'heartbeat', msg_id: 5 });
  t.match(await client.next(), { type: 'error', in_reply_to: 5, code: 12, text: /server/, msg_id: 4 });
  client.send({ type: 'drain_server', msg_id: 6, server: 'ghost' });
  t.match(await client.next(), { type: 'error', in_reply_to: 6, code: 20, msg_id: 5 });
  client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
  t.match(await client.next(), { type: 'error', code: 12, msg_id: 6 });
  client.send({ type: 'heartbeat_ok', in_reply_to: 1 });
  client.send({ type: 'server_status', msg_id: 7 });
  t.same(await client.next(), { type: 'server_status_ok', in_reply_to: 7, servers: [], msg_id: 7 }, 'replies are never answered; nothing changed');
});

t.test('subscribers get events as they happen', async (t) => {
  const { app, clock } = build(t, { core: { heartbeatIntervalMs: 1000, deadAfterMissed: 3 } });
  const { ws } = await listen(app);
  const watcher = await connect(ws);
  const fleet = await connect(ws);
  t.teardown(() => Promise.all([watcher.close(), fleet.close()]));
  watcher.send({ type: 'subscribe', msg_id: 1 });
  t.same(await watcher.next(), { type: 'subscribe_ok', in_reply_to: 1, msg_id: 0 });
  fleet.send({ type: 'heartbeat', msg_id: 1, server: 'cs1', chunks: ['a', 'b'] });
  await fleet.next();
  t.same(await watcher.next(), { type: 'server_alive', server: 'cs1', at: 0, revived: false, msg_id: 1 });
  clock.advance(3000);
  fleet.send({ type: 'server_status', msg_id: 2 });
  await fleet.next();
  // The death engages the brake (one server of one is dead) and, once its
  // replicas are swept on the driver's next tick, reports both chunks missing in one event.
  t.same(await watcher.next(), { type: 'server_dead', server: 'cs1', at: 3000, lost_replicas: 2, msg_id: 2 });
  t.same(await watcher.next(), { type: 'brake_engaged', at: 3000, dead: 1, known: 1, msg_id: 3 });
  const reaped = await watcher.next();
  t.same({ ...reaped, examples: (reaped['examples'] as string[]).sort() }, {
    type: 'server_reaped', server: 'cs1', at: 3000, replicas: 2, chunks_missing: 2, examples: ['a', 'b'], msg_id: 4,
  });
  fleet.send({ type: 'heartbeat', msg_id: 3, server: 'cs1' });
  await fleet.next();
  t.same(await watcher.next(), { type: 'server_alive', server: 'cs1', at: 3000, revived: true, msg_id: 5 });
  t.same(await watcher.next(), { type: 'brake_released', at: 3000, dead: 0, known: 1, msg_id: 6 });
  watcher.send({ type: 'subscribe' });
  t.same(await watcher.next(), { type: 'subscribe_ok', msg_id: 7 }, 'subscribing twice is harmless');
  await watcher.close();
  fleet.send({ type: 'heartbeat', msg_id: 4, server: 'cs2' });
  t.equal((await fleet.next())['type'], 'heartbeat_ok', 'a closed subscriber is dropped');
});

t.test('WebSocket connections authenticate at upgrade', async (t) => {
  const operator = createToken();
  const server = createToken();
  const tokens = TokenStore.parse(JSON.stringify({ servers: { cs1: digestOf(server) }, operators: [digestOf(operator)] }));
  const { app } = build(t, { tokens });
  const { ws } = await listen(app);
  t.equal(await upgradeStatus(ws), 401);
  t.equal(await upgradeStatus(ws, { authorization: 'Bearer nope' }), 401);
  t.equal(await upgradeStatus(ws, { authorization: `Bearer ${server}` }), 403);
  const client = await connect(ws, { authorization: `Bearer ${operator}` });
  t.teardown(() => client.close());
  client.send({ type: 'check_replication', msg_id: 1 });
  t.equal((await client.next())['type'], 'check_replication_ok');
});

t.test('forget_server over WebSocket: refused while alive, done once dead, and a subscriber hears of it', async (t) => {
  const { app, clock } = build(t, { core: { heartbeatIntervalMs: 1000, deadAfterMissed: 3 } });
  const { ws } = await listen(app);
  const client = await connect(ws);
  const watcher = await connect(ws);
  t.teardown(() => Promise.all([client.close(), watcher.close()]));
  watcher.send({ type: 'subscribe', msg_id: 1 });
  await watcher.next();
  client.send({ type: 'heartbeat', msg_id: 1, server: 'cs1', chunks: ['solo'] });
  await client.next();
  client.send({ type: 'forget_server', msg_id: 2, server: 'cs1' });
  t.match(await client.next(), { type: 'error', in_reply_to: 2, code: 22 });
  clock.advance(3000);
  client.send({ type: 'forget_server', msg_id: 3, server: 'cs1' });
  t.same(await client.next(), { type: 'forget_server_ok', in_reply_to: 3, server: 'cs1', msg_id: 2 });
  const seen: Record<string, unknown>[] = [];
  while (!seen.some((e) => e['type'] === 'server_forgotten')) seen.push(await watcher.next());
  t.match(seen.at(-1), { type: 'server_forgotten', server: 'cs1', chunks_freed: 1 });
});
