import t from 'tap';
import type { Leadership } from '../../../src/core/index.js';
import { build, listen } from '../../fixtures/app.js';
import { FakeGroup } from '../../fixtures/group.js';
import { connect } from '../../fixtures/ws.js';

// CONTRACT 10 over HTTP and WebSocket: role, epoch and leader after status; GET /leader;
// leadership metrics; drains and forgets recorded in the group's store before they apply.

const FOLLOWER: Leadership = { role: 'follower', epoch: 4, leader: 'http://m2:8080', until: 0 };
const LEADER: Leadership = { role: 'leader', epoch: 5, leader: 'http://m1:8080', until: 1e9 };

type Inject = ReturnType<typeof build>['app'];

async function heartbeat(app: Inject, body: object) {
  const response = await app.inject({ method: 'POST', url: '/heartbeat', payload: body });
  return { status: response.statusCode, type: response.headers['content-type'], json: response.json() as Record<string, unknown> };
}

function grouped(t: Parameters<typeof build>[0], leadership: Leadership, group = new FakeGroup()) {
  const built = build(t, { core: { replicationFactor: 2 }, group });
  built.driver.run((now) => built.driver.master.setLeadership(now, leadership));
  return { ...built, group };
}

async function metric(app: Inject, name: string): Promise<string | undefined> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  return new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
}

t.test('a single master says nothing of leadership anywhere', async (t) => {
  const { app } = build(t);
  const reply = await heartbeat(app, { server: 's1', chunks: ['a'] });
  t.same(Object.keys(reply.json), ['status', 'chunks_to_delete', 'chunks_to_replicate', 'full_report']);
  t.equal((await app.inject({ method: 'GET', url: '/leader' })).statusCode, 404);
  t.equal(await metric(app, 'chunkmaster_leader'), undefined);
});

t.test("a follower's replies carry role, epoch and leader after status, and no instruction", async (t) => {
  const { app, clock } = grouped(t, FOLLOWER);
  await heartbeat(app, { server: 's1', chunks: ['a'] });
  const reply = await heartbeat(app, { server: 's2', chunks: [] });
  clock.advance(1000);
  t.same(Object.keys(reply.json).slice(0, 4), ['status', 'role', 'epoch', 'leader']);
  t.equal(reply.type, 'application/json; charset=utf-8');
  t.match(reply.json, { role: 'follower', epoch: 4, leader: 'http://m2:8080' });
  const again = await heartbeat(app, { server: 's1' });
  t.same(again.json['chunks_to_replicate'], [], 'a short chunk, but a follower copies nothing');
  t.equal(await metric(app, 'chunkmaster_leader'), '0');
  t.equal(await metric(app, 'chunkmaster_epoch'), '4');
});

t.test("a group master refuses a bad heartbeat with Fastify's error shape, not a heartbeat reply", async (t) => {
  const { app } = grouped(t, LEADER);
  const reply = await heartbeat(app, { server: 's1', chunks: 'a' });
  t.equal(reply.status, 400);
  t.same(Object.keys(reply.json).sort(), ['code', 'error', 'message', 'statusCode']);
  t.notOk('role' in reply.json);
});

t.test('the leader instructs and says so', async (t) => {
  const { app, clock } = grouped(t, LEADER);
  await heartbeat(app, { server: 's1', chunks: ['a'] });
  await heartbeat(app, { server: 's2', chunks: [] });
  clock.advance(1000);
  const reply = await heartbeat(app, { server: 's1' });
  t.match(reply.json, { status: 'alive', role: 'leader', epoch: 5, leader: 'http://m1:8080', chunks_to_replicate: [{ chunk: 'a', target: 's2' }] });
  t.equal(await metric(app, 'chunkmaster_leader'), '1');
});

t.test('GET /leader answers who this master is and who leads', async (t) => {
  const members = [{ master_id: 'm1', url: 'http://m1:8080' }, { master_id: 'm2', url: 'http://m2:8080' }];
  const { app } = grouped(t, FOLLOWER, new FakeGroup('m1', members));
  const response = await app.inject({ method: 'GET', url: '/leader' });
  t.equal(response.statusCode, 200);
  t.same(response.json(), { role: 'follower', epoch: 4, leader: 'http://m2:8080', master_id: 'm1', members });
});

t.test('GET /leader before any election: a follower of epoch 0 with no leader', async (t) => {
  const { app } = build(t, { group: new FakeGroup() });
  const response = await app.inject({ method: 'GET', url: '/leader' });
  t.match(response.json(), { role: 'follower', epoch: 0, leader: null, master_id: 'm1' });
});

t.test('a drain is recorded in the store, then applied; with the store out of reach nothing is', async (t) => {
  const { app, group } = grouped(t, FOLLOWER);
  await heartbeat(app, { server: 's1', chunks: ['a'] });
  await heartbeat(app, { server: 's2', chunks: ['a'] });
  group.reachable = false;
  const refused = await app.inject({ method: 'POST', url: '/servers/s1/drain' });
  t.equal(refused.statusCode, 503);
  t.match(refused.json().message, /cannot record the drain of server "s1" in etcd \(etcd unreachable\)/);
  t.equal((await app.inject({ method: 'GET', url: '/servers/s1' })).json().status, 'alive', 'not applied here either');
  group.reachable = true;
  const drained = await app.inject({ method: 'POST', url: '/servers/s1/drain' });
  t.equal(drained.statusCode, 200);
  t.same(drained.json(), { server: 's1', status: 'draining' });
  t.same(group.intents, [{ kind: 'drain', server: 's1' }]);
});

t.test('what the core would refuse is refused before anything is recorded', async (t) => {
  const { app, group } = grouped(t, FOLLOWER);
  await heartbeat(app, { server: 's1', chunks: ['a'] });
  t.equal((await app.inject({ method: 'POST', url: '/servers/nobody/drain' })).statusCode, 404);
  t.equal((await app.inject({ method: 'DELETE', url: '/servers/s1' })).statusCode, 409, 'a live server is not forgotten');
  t.same(group.intents, []);
});

t.test('a forget of a dead server is recorded, then applied', async (t) => {
  const { app, group, clock } = grouped(t, FOLLOWER);
  await heartbeat(app, { server: 's1', chunks: ['a'] });
  clock.advance(20_000);
  const response = await app.inject({ method: 'DELETE', url: '/servers/s1' });
  t.equal(response.statusCode, 200);
  t.same(group.intents, [{ kind: 'forget', server: 's1' }]);
  t.equal((await app.inject({ method: 'GET', url: '/servers/s1' })).statusCode, 404);
});

t.test('WebSocket heartbeat_ok carries role, epoch and leader after status', async (t) => {
  const { app } = grouped(t, LEADER);
  const { ws } = await listen(app);
  const client = await connect(ws);
  t.teardown(() => client.close());
  client.send({ type: 'heartbeat', msg_id: 1, server: 's1', chunks: ['a'] });
  const reply = await client.next();
  t.same(Object.keys(reply).slice(0, 6), ['type', 'in_reply_to', 'status', 'role', 'epoch', 'leader']);
  t.match(reply, { role: 'leader', epoch: 5, leader: 'http://m1:8080' });
});

t.test('WebSocket drain_server and forget_server go through the store too', async (t) => {
  const { app, group } = grouped(t, FOLLOWER);
  const { ws } = await listen(app);
  const client = await connect(ws);
  t.teardown(() => client.close());
  client.send({ type: 'heartbeat', msg_id: 1, server: 's1', chunks: ['a'] });
  await client.next();
  group.reachable = false;
  client.send({ type: 'drain_server', msg_id: 2, server: 's1' });
  t.match(await client.next(), { type: 'error', in_reply_to: 2, code: 1000, text: /^drain_server: cannot record the drain of server "s1"/ });
  client.send({ type: 'forget_server', msg_id: 3, server: 's1' });
  t.match(await client.next(), { type: 'error', in_reply_to: 3, code: 22, text: /^forget_server: server "s1" is alive/ }, 'refused before the store is asked');
  group.reachable = true;
  client.send({ type: 'drain_server', msg_id: 4, server: 's1' });
  t.match(await client.next(), { type: 'drain_server_ok', in_reply_to: 4, server: 's1', status: 'draining' });
  t.same(group.intents, [{ kind: 'drain', server: 's1' }]);
});
