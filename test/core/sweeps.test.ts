import t from 'tap';
import { ReplicaMap } from '../../src/core/replicas.js';
import { Sweeps } from '../../src/core/sweeps.js';

/** A replica map where server s holds the chunks named in holdings[s], and a recorder of every hook call. */
function setup(holdings: number[]) {
  const replicas = new ReplicaMap();
  const chunks = Array.from({ length: Math.max(...holdings, 0) }, (_, i) => replicas.intern(`c${i}`));
  holdings.forEach((count, server) => {
    for (const chunk of chunks.slice(0, count)) replicas.add(server, chunk);
  });
  const calls: string[] = [];
  const hooks = {
    removed: (server: number, chunk: number) => calls.push(`removed ${server}:${chunk}`),
    touch: (chunk: number) => calls.push(`touch ${chunk}`),
    reaped: (server: number) => calls.push(`reaped ${server}`),
  };
  return { replicas, chunks, calls, hooks };
}

t.test('a dead server\'s replicas are dropped in batches of the budget, then it is told reaped once', async (t) => {
  const { replicas, calls, hooks } = setup([5, 3]);
  const sweeps = new Sweeps();
  t.equal(sweeps.busy, false);
  sweeps.reap(0);
  sweeps.reap(1);
  t.ok(sweeps.isReaping(0));
  t.same([...sweeps.reapingServers], [0, 1]);
  t.equal(sweeps.step(replicas, 4, hooks), 4);
  t.equal(calls.length, 4, 'four replicas dropped, each reported');
  t.ok(calls.every((call) => call.startsWith('removed 0:')), 'the first server first');
  t.equal(replicas.countOf(0), 1);
  t.ok(sweeps.isReaping(0), 'still reaping: one replica left');
  calls.length = 0;
  t.equal(sweeps.step(replicas, 4, hooks), 4);
  t.same(calls.filter((call) => call.startsWith('reaped')), ['reaped 0', 'reaped 1'], 'the rest of the budget goes to the next server');
  t.equal(replicas.size, 0);
  t.equal(sweeps.busy, false);
  calls.length = 0;
  t.equal(sweeps.step(replicas, 4, hooks), 0, 'nothing left to do');
  t.same(calls, []);
});

t.test('a server with nothing stored is reaped on the next step; a cancelled reap is no longer stepped', async (t) => {
  const { replicas, calls, hooks } = setup([0, 2]);
  const sweeps = new Sweeps();
  sweeps.reap(0);
  sweeps.reap(1);
  t.equal(sweeps.cancelReap(1), true);
  t.equal(sweeps.cancelReap(1), false, 'not being reaped any more');
  t.notOk(sweeps.isReaping(1));
  t.equal(sweeps.step(replicas, 10, hooks), 0);
  t.same(calls, ['reaped 0']);
  t.equal(replicas.countOf(1), 2, 'the cancelled server keeps its replicas');
});

t.test('a drained server\'s chunks are touched in order, in batches, after any reaping', async (t) => {
  const { replicas, calls, hooks } = setup([2]);
  const sweeps = new Sweeps();
  sweeps.recount(5, [10, 11, 12]);
  sweeps.recount(6, [20]);
  sweeps.reap(0);
  t.equal(sweeps.busy, true);
  t.equal(sweeps.step(replicas, 3, hooks), 3);
  t.same(calls, ['removed 0:0', 'removed 0:1', 'reaped 0', 'touch 10'], 'reaping uses the budget first');
  calls.length = 0;
  t.equal(sweeps.step(replicas, 3, hooks), 3);
  t.same(calls, ['touch 11', 'touch 12', 'touch 20'], 'one job after the other within a step');
  t.equal(sweeps.busy, false);
});
