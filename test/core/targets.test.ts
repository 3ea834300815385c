import t from 'tap';
import { PendingInstructions } from '../../src/core/pending.js';
import type { ServerRecord } from '../../src/core/registry.js';
import { ReplicaMap } from '../../src/core/replicas.js';
import { CopyTargets } from '../../src/core/targets.js';

function record(index: number, diskUsagePct: number | null): ServerRecord {
  return { index, id: `s${index}`, seq: index, alive: true, draining: false, out: false, lastHeartbeatAt: 0, diskUsagePct, health: 'healthy' };
}

t.test('targets go best first: emptier disk bands, then fewer incoming copies', async (t) => {
  const copies = new PendingInstructions();
  const replicas = new ReplicaMap();
  const chunk = replicas.intern('c');
  const servers = [record(0, 42), record(1, 12), record(2, null), record(3, 13), record(4, 60)];
  copies.add(9, 0, 3, 100);
  const targets = new CopyTargets(servers, copies, replicas, 2);
  t.equal(targets.take(chunk)?.id, 's2', 'no disk figure counts as empty');
  // s1 (12%) and s3 (13%, one copy coming) share a band: the one with fewer incoming copies first.
  t.equal(targets.take(chunk)?.id, 's1');
  t.equal(targets.take(chunk)?.id, 's3');
  t.equal(targets.take(chunk)?.id, 's0');
  t.equal(targets.take(chunk)?.id, 's4');
  t.equal(targets.take(chunk), undefined);
  t.equal(targets.empty, true);
});

t.test('a holder, a server already receiving the chunk and a busy one are passed over', async (t) => {
  const copies = new PendingInstructions();
  const replicas = new ReplicaMap();
  const chunk = replicas.intern('c');
  replicas.add(0, chunk);
  copies.add(chunk, 0, 1, 100);
  copies.add(7, 0, 2, 100);
  copies.add(8, 0, 2, 100);
  const targets = new CopyTargets([record(0, 10), record(1, 10), record(2, 10), record(3, 50)], copies, replicas, 2);
  t.equal(targets.take(chunk)?.id, 's3', 's0 holds it, s1 receives it, s2 has no free stream');
  t.equal(targets.empty, false, 's0 and s1 stay in line for other chunks');
});

t.test('a server handed a copy goes back behind its equals while it has a free stream', async (t) => {
  const copies = new PendingInstructions();
  const replicas = new ReplicaMap();
  const [a, b, c] = ['a', 'b', 'c'].map((handle) => replicas.intern(handle)) as [number, number, number];
  const targets = new CopyTargets([record(0, 10), record(1, 10)], copies, replicas, 2);
  const first = targets.take(a) as ServerRecord;
  t.equal(first.id, 's0');
  copies.add(a, 5, first.index, 100);
  targets.putBack(first);
  t.equal(targets.take(b)?.id, 's1', 'with a copy coming, s0 ranks behind s1');
  const second = targets.take(c) as ServerRecord;
  copies.add(c, 5, second.index, 100);
  targets.putBack(second);
  t.equal(targets.empty, true, 'two copies coming fill its streams: not put back');
});
