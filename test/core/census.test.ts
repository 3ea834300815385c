import t from 'tap';
import { Census } from '../../src/core/census.js';
import { defaultCoreConfig } from '../../src/core/config.js';
import { type ServerRecord, ServerRegistry } from '../../src/core/registry.js';
import { ReplicaMap } from '../../src/core/replicas.js';

/** A fleet of servers, set up as each test says, with the chunk 'c' on the ones that hold it. */
function fleet(setups: Record<string, (record: ServerRecord) => void>, holding: readonly string[], reaping: readonly string[] = []) {
  const servers = new ServerRegistry();
  const replicas = new ReplicaMap();
  const chunk = replicas.intern('c');
  for (const [id, setup] of Object.entries(setups)) {
    const record = servers.register(id, 0);
    servers.setAlive(record, true);
    setup(record);
    if (holding.includes(id)) replicas.add(record.index, chunk);
  }
  const reaped = new Set(reaping.map((id) => servers.get(id)?.index));
  const census = new Census(defaultCoreConfig({ replicationFactor: 3, diskFullPct: 90 }), servers, replicas, { isReaping: (server) => reaped.has(server) });
  const record = (id: string) => servers.get(id) as ServerRecord;
  return { census, chunk, replicas, record, servers };
}

const asIs = () => {};

t.test('a replica counts while its server is alive and not being reaped', async (t) => {
  const { census, chunk, record, servers } = fleet({ live: asIs, dead: asIs, back: asIs }, ['live', 'dead', 'back'], ['back']);
  servers.setAlive(record('dead'), false);
  t.ok(census.counts(record('live').index));
  t.notOk(census.counts(record('dead').index), 'dead: its stored list is not trusted');
  t.notOk(census.counts(record('back').index), 'alive again, but its old list is still being dropped');
  t.same(census.holders(chunk), [record('live').index]);
  t.same(census.of(chunk, 0), { live: 1, counted: 1, want: 1 }, 'told no server is eligible, it wants only what it has');
  t.same(census.of(chunk, census.eligibleCount()), { live: 1, counted: 1, want: 1 }, 'the one eligible server already holds it');
});

t.test('only alive, healthy, not draining servers with room may take a copy', async (t) => {
  const { census, record, servers } = fleet(
    {
      noFigure: asIs,
      roomy: (r) => (r.diskUsagePct = 89.9),
      full: (r) => (r.diskUsagePct = 90),
      draining: (r) => (r.draining = true),
      degraded: (r) => (r.health = 'degraded'),
      readOnly: (r) => (r.health = 'read_only'),
      dead: asIs,
      reaping: asIs,
    },
    [],
    ['reaping'],
  );
  servers.setAlive(record('dead'), false);
  const eligible = ['noFigure', 'roomy', 'full', 'draining', 'degraded', 'readOnly', 'dead', 'reaping'].filter((id) => census.eligible(record(id)));
  t.same(eligible, ['noFigure', 'roomy'], 'a disk at disk_full_pct is full; no disk figure counts as empty');
  t.equal(census.eligibleCount(), 2);
});

t.test('a chunk wants target RF, or as many as its counted replicas and the eligible servers without it can give', async (t) => {
  const { census, chunk, replicas, record } = fleet({ a: asIs, b: (r) => (r.draining = true), c: asIs, d: asIs }, ['a', 'b']);
  const eligibleCount = census.eligibleCount();
  t.equal(eligibleCount, 3, 'a, c and d');
  t.same(census.of(chunk, eligibleCount), { live: 2, counted: 1, want: 3 }, 'a draining holder is live but not counted');
  t.same(census.of(chunk, 2), { live: 2, counted: 1, want: 2 }, 'counted 1 + (2 eligible - 1 eligible holder)');
  t.same(census.of(chunk, 100).want, 3, 'never above target RF');
  const empty = replicas.intern('e');
  t.same(census.of(empty, eligibleCount), { live: 0, counted: 0, want: 3 });
  t.same(census.holders(chunk).sort(), [record('a').index, record('b').index].sort());
});
