import t from 'tap';
import { PackedHandles } from '../../src/core/packed.js';
import type { Planner } from '../../src/core/planner.js';
import { ReplicaMap } from '../../src/core/replicas.js';
import { ReportApplier } from '../../src/core/reports.js';

/** Full reports over a real replica map, with a planner that only records what it is told. */
function setup() {
  const replicas = new ReplicaMap();
  const told: string[] = [];
  const planner = {
    replicaAdded: (server: number, chunk: number) => told.push(`added ${server}:${replicas.handleOf(chunk)}`),
    replicaRemoved: (server: number, chunk: number) => told.push(`removed ${server}:${replicas.handleOf(chunk)}`),
    touch: (chunk: number) => told.push(`touch ${replicas.handleOf(chunk)}`),
  };
  const reports = new ReportApplier(replicas, planner as unknown as Planner);
  const held = (server: number) => [...replicas.chunksOf(server)].map((chunk) => replicas.handleOf(chunk)).sort();
  return { reports, replicas, told, held };
}

t.test('a report is applied as a diff: only what changed reaches the planner', async (t) => {
  const { reports, told, held } = setup();
  reports.take(0, [['a', 'b', 'a', 'c']], [], false, 10);
  t.same(told, ['added 0:a', 'added 0:b', 'added 0:c'], 'a handle listed twice is one replica');
  t.same(held(0), ['a', 'b', 'c']);
  told.length = 0;
  reports.take(0, [['c', 'b', 'a']], [], false, 20);
  t.same(told, [], 'the same list in another order changes nothing');
  reports.take(0, [['a', 'c', 'd']], [], false, 30);
  t.same(told, ['removed 0:b', 'added 0:d'], 'losses go in before gains: between steps of a long report a chunk is never counted long');
  t.same(held(0), ['a', 'c', 'd']);
  told.length = 0;
  reports.take(0, [[]], [], false, 40);
  t.same(told.sort(), ['removed 0:a', 'removed 0:c', 'removed 0:d'], 'an empty list drops every replica');
});

t.test('with recountAll, chunks already held are re-filed too', async (t) => {
  const { reports, told } = setup();
  reports.take(1, [['a', 'b']], [], false, 0);
  told.length = 0;
  reports.take(1, [['a', 'b', 'b', 'c']], [], true, 5);
  t.same(told, ['touch a', 'touch b', 'added 1:c'], 'each chunk once');
});

t.test('servers are diffed apart, and many handles past the first stamps are still deduped', async (t) => {
  const { reports, told, held } = setup();
  const many = Array.from({ length: 3000 }, (_, i) => `k${i}`);
  reports.take(0, [many], [], false, 0);
  reports.take(1, [['k1']], [], false, 0);
  t.equal(told.length, 3001);
  told.length = 0;
  reports.take(0, [[...many, ...many]], [], false, 1);
  t.same(told, [], 'a report listing every handle twice is the same report');
  reports.take(1, [[]], [], false, 2);
  t.same(told, ['removed 1:k1']);
  t.equal(held(0).length, 3000, 'another server\'s report leaves this one alone');
});

t.test("a full report leaves the server's list in its order, so the same report next time matches in one pass", async (t) => {
  const { reports, replicas, told } = setup();
  reports.take(2, [['a', 'b', 'c']], [], false, 0);
  t.equal(replicas.listEquals(2, [PackedHandles.of(['a', 'b', 'c'])]), true);
  reports.take(2, [['c', 'a', 'b', 'a']], [], false, 10);
  t.equal(replicas.listEquals(2, [PackedHandles.of(['c', 'a', 'b'])]), true, 'the order of the last report, a repeat collapsed');
  reports.applyChanges(2, { added: ['d'], removed: ['a'] }, 20);
  t.equal(replicas.listEquals(2, [PackedHandles.of(['c', 'b', 'd'])]), true, 'incremental gains go last, losses leave their place');
  told.length = 0;
  reports.take(2, [['c', 'b', 'd']], [], true, 30);
  t.same(told, ['touch c', 'touch b', 'touch d'], 'a matching report with recountAll re-files each chunk, in order');
  told.length = 0;
  reports.take(2, [['c'], ['b', 'd']], [], true, 40);
  t.same(told, ['touch c', 'touch b', 'touch d'], 'a split report matches part after part');
  told.length = 0;
  reports.take(2, [['b'], ['c', 'd']], [], false, 50);
  t.same(told, [], 'in another order it is a diff with nothing to change');
  t.equal(replicas.listEquals(2, [PackedHandles.of(['b', 'c', 'd'])]), true);
});
