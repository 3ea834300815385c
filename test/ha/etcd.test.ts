import t from 'tap';
import { atMost, connectEtcd, deadlineIn, entryOf, withTimeout } from '../../src/ha/etcd.js';

t.test('a client needs an endpoint', async (t) => {
  t.throws(() => connectEtcd([]), /no etcd endpoint/);
  const client = connectEtcd(['http://127.0.0.1:1']);
  client.close();
});

t.test("etcd's key-values read as entries with numeric revisions", async (t) => {
  const kv = { key: Buffer.from('k'), value: Buffer.from('v'), create_revision: '7', mod_revision: '9', version: '2', lease: '0' };
  t.same(entryOf(kv), { key: 'k', value: 'v', createRevision: 7, modRevision: 9 });
});

t.test('a deadline lies ahead by the time given', async (t) => {
  const { deadline } = deadlineIn(2000);
  t.ok(Math.abs(deadline.getTime() - Date.now() - 2000) < 100);
});

t.test('withTimeout passes on the outcome, or fails with its own error once the time is up', async (t) => {
  t.equal(await withTimeout(Promise.resolve(3), 1000, () => new Error('late')), 3);
  await t.rejects(withTimeout(Promise.reject(new Error('refused')), 1000, () => new Error('late')), /refused/);
  await t.rejects(withTimeout(new Promise(() => undefined), 20, () => new Error('late')), /late/);
});

t.test('atMost waits no longer than told, and swallows failures', async (t) => {
  await atMost(new Promise(() => undefined), 20);
  await atMost(Promise.reject(new Error('no')), 20);
  t.pass('returned');
});
