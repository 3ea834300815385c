import t from 'tap';
import { ServerRegistry, statusOf } from '../../src/core/registry.js';

t.test('servers register dead and healthy, in first-heartbeat order, found by id and index', async (t) => {
  const servers = new ServerRegistry();
  const a = servers.register('a', 10);
  const b = servers.register('b', 20);
  t.same(a, { index: 0, id: 'a', seq: 0, alive: false, draining: false, out: false, lastHeartbeatAt: 10, diskUsagePct: null, health: 'healthy' });
  t.equal(b.index, 1);
  t.equal(servers.get('b'), b);
  t.equal(servers.at(0), a);
  t.equal(servers.get('c'), undefined);
  t.same(servers.all().map((r) => r.id), ['a', 'b']);
  t.equal(servers.size, 2);
  t.equal(servers.slots, 2);
});

t.test('alive and out are counted as they change, each change once', async (t) => {
  const servers = new ServerRegistry();
  const a = servers.register('a', 0);
  const b = servers.register('b', 0);
  servers.setAlive(a, true);
  servers.setAlive(a, true);
  servers.setAlive(b, true);
  t.equal(servers.alive, 2, 'setting alive twice counts once');
  servers.setAlive(b, false);
  servers.setOut(b, true);
  servers.setOut(b, true);
  t.equal(servers.alive, 1);
  t.equal(servers.counted, 1, 'an out server no longer counts for the brake');
  servers.setAlive(b, true);
  t.equal(b.out, false, 'coming back ends being out');
  t.equal(servers.counted, 2);
  t.equal(servers.alive, 2);
});

t.test('a forgotten server leaves every listing at once; its index is reused only once released', async (t) => {
  const servers = new ServerRegistry();
  const a = servers.register('a', 0);
  const b = servers.register('b', 0);
  servers.register('c', 0);
  servers.setOut(b, true);
  servers.forget(b);
  t.equal(servers.get('b'), undefined);
  t.same(servers.all().map((r) => r.id), ['a', 'c'], 'the others keep their order');
  t.equal(servers.size, 2);
  t.equal(servers.counted, 2, 'a forgotten out server is no longer counted as out');
  t.equal(servers.at(b.index), b, 'still reachable by index until released');
  const d = servers.register('d', 0);
  t.equal(d.index, 3, 'an unreleased index is not reused');
  servers.release(b.index);
  t.equal(servers.at(b.index), undefined);
  const again = servers.register('b', 5);
  t.equal(again.index, b.index, 'a released index is reused');
  t.equal(again.seq, 4, 'but the registration order goes on');
  t.not(again, b, 'as a new record');
  t.equal(servers.slots, 4);
  t.same(servers.all().map((r) => r.id), ['a', 'c', 'd', 'b']);
  servers.forget(a);
  servers.forget(a);
  t.same(servers.all().map((r) => r.id), ['c', 'd', 'b'], 'forgetting twice is harmless');
});

t.test('a server\'s status: dead, else draining, else alive', async (t) => {
  const servers = new ServerRegistry();
  const a = servers.register('a', 0);
  t.equal(statusOf(a), 'dead');
  a.draining = true;
  t.equal(statusOf(a), 'dead', 'a dead server is dead, draining or not');
  servers.setAlive(a, true);
  t.equal(statusOf(a), 'draining');
  a.draining = false;
  t.equal(statusOf(a), 'alive');
});
