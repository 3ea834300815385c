import type { EventEmitter } from 'node:events';
import t from 'tap';
import { Etcd3 } from 'etcd3';
import type { KeyChange } from '../../src/ha/key-table.js';
import { PrefixMirror } from '../../src/ha/mirror.js';
import { startEtcd } from '../fixtures/etcd.js';
import { tick, until } from '../fixtures/wait.js';

const told = (changes: readonly KeyChange[]) => changes.map((change) => `${change.type} ${change.entry.key}=${change.entry.value}`);

t.test('a mirror tells what the prefix holds, then each change; it starts over after etcd was away', async (t) => {
  const etcd = await startEtcd(t);
  const client = new Etcd3({ hosts: etcd.url });
  t.teardown(() => client.close());
  await client.put('p/a').value('1');
  await client.put('elsewhere').value('x');
  const seen: string[] = [];
  const mirror = new PrefixMirror(client, 'p/', (changes) => seen.push(...told(changes)));
  t.teardown(() => mirror.close());
  t.notOk(mirror.ready);
  mirror.start();
  await until(() => mirror.ready, 'read');
  t.same(seen, ['put p/a=1']);
  await client.put('p/b').value('2');
  await client.delete().key('p/a');
  await until(() => seen.length === 3, 'the watch');
  t.same(seen.slice(1), ['put p/b=2', 'delete p/a=1']);

  await etcd.stop();
  await tick(300);
  await etcd.restart();
  const writer = new Etcd3({ hosts: etcd.url });
  t.teardown(() => writer.close());
  await writer.put('p/c').value('3');
  await until(() => seen.length === 4, 'a change made after etcd came back');
  t.same(seen.at(-1), 'put p/c=3');
  t.same([...mirror.table.values()].map((entry) => entry.key).sort(), ['p/b', 'p/c']);
});

t.test('closed while its first read is in flight, it tells nothing', async (t) => {
  const etcd = await startEtcd(t);
  const client = new Etcd3({ hosts: etcd.url });
  t.teardown(() => client.close());
  await client.put('q/a').value('1');
  const seen: string[] = [];
  const mirror = new PrefixMirror(client, 'q/', (changes) => seen.push(...told(changes)));
  mirror.start();
  await mirror.close();
  await tick(300);
  t.same(seen, []);
});

t.test('closed while etcd is away, it tries no more; a watch that breaks twice starts over once', async (t) => {
  const etcd = await startEtcd(t);
  const client = new Etcd3({ hosts: etcd.url });
  t.teardown(() => client.close());
  const seen: string[] = [];
  const mirror = new PrefixMirror(client, 'r/', (changes) => seen.push(...told(changes)));
  t.teardown(() => mirror.close());
  mirror.start();
  await until(() => mirror.ready, 'read');
  const watcher = (mirror as unknown as { watcher: EventEmitter }).watcher;
  watcher.emit('disconnected', new Error('stream broke'));
  watcher.emit('error', new Error('and was cancelled'));
  await client.put('r/a').value('1');
  await until(() => seen.length === 1, 'the change, from the new watch');
  await tick(700);
  t.same(seen, ['put r/a=1'], 'told once');

  await etcd.stop();
  const away = new PrefixMirror(client, 'r/', (changes) => seen.push(...told(changes)));
  away.start();
  await away.close();
  await tick(700);
  t.notOk(away.ready, 'its read failed after the close, and nothing was tried again');
});
