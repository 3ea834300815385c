import t from 'tap';
import { type ChunkServer, ChunkServers } from '../../src/fleet/chunk-servers.js';

t.test('chunks start on three servers each and disks half full', async (t) => {
  const fleet = new ChunkServers(12, 5);
  t.same(fleet.servers.map((s) => s.id).slice(0, 3), ['cs00', 'cs01', 'cs02'], 'ids sort in order');
  const holders = new Map<string, number>();
  for (const server of fleet.servers) for (const chunk of server.chunks) holders.set(chunk, (holders.get(chunk) ?? 0) + 1);
  t.equal(holders.size, 20);
  t.ok([...holders.values()].every((n) => n === 3));
  t.same(fleet.report(fleet.servers[0]!), { server: 'cs00', chunks: [...fleet.servers[0]!.chunks], disk_usage_pct: 50, health: 'healthy' });
  t.equal(new ChunkServers(1, 0).report(new ChunkServers(1, 0).servers[0]!).disk_usage_pct, 0);
});

t.test('chunks start with the replication factor asked for', async (t) => {
  const fleet = new ChunkServers(10, 4, { replicationFactor: 2, prefix: 'x' });
  const holders = new Map<string, number>();
  for (const server of fleet.servers) for (const chunk of server.chunks) holders.set(chunk, (holders.get(chunk) ?? 0) + 1);
  t.equal(holders.size, 20);
  t.ok([...holders.values()].every((n) => n === 2));
  t.equal(fleet.servers[0]?.id, 'x0');
});

t.test('instructions: deletes of held chunks, copies only of held chunks to live servers', async (t) => {
  const fleet = new ChunkServers(3, 3);
  const [a, b, c] = fleet.servers as [ReturnType<typeof fleet.get> & object, ReturnType<typeof fleet.get> & object, ReturnType<typeof fleet.get> & object];
  const held = [...a.chunks];
  fleet.silence(0);
  t.same(fleet.silence(1).map((s) => s.id), ['cs0']);
  t.same(fleet.silence(1).map((s) => s.id), ['cs1'], 'silence skips servers already silent');
  const applied = fleet.apply(a, {
    status: 'alive',
    full_report: false,
    chunks_to_delete: [held[2] as string, 'not-held'],
    chunks_to_replicate: [
      { chunk: held[0] as string, target: c.id },
      { chunk: held[1] as string, target: b.id },
      { chunk: 'not-held', target: c.id },
      { chunk: held[1] as string, target: 'unknown' },
    ],
  });
  t.same(applied, { copies: 1, copiesFailed: 3, deletes: 1 });
  t.ok(c.chunks.has(held[0] as string));
  t.notOk(a.chunks.has(held[2] as string));
  t.equal(fleet.get('cs2'), c);
  t.equal(fleet.get('cs9'), undefined);
});

const holding = (fleet: ChunkServers, chunk: string) => fleet.servers.filter((s) => s.chunks.has(chunk)).map((s) => s.id);

t.test('churn: a write puts a new chunk on the writer and the next servers, a delete takes the oldest off every holder', async (t) => {
  const fleet = new ChunkServers(6, 4);
  const [cs0, cs1] = fleet.servers as [ChunkServer, ChunkServer];
  t.same(holding(fleet, 'ch_0'), ['cs0', 'cs2', 'cs4']);
  t.equal(fleet.churn(cs1, 3), 1, 'three replicas: one chunk of three');
  t.same(holding(fleet, 'ch_0'), [], 'the oldest chunk is gone everywhere');
  t.same(holding(fleet, 'ch_8'), ['cs1', 'cs2', 'cs3'], 'a new handle, on the writer and the two after it');
  t.same(fleet.servers.map((s) => s.changed.map((owed) => [...owed])), [[['ch_0']], [['ch_8']], [['ch_0', 'ch_8']], [['ch_8']], [['ch_0']], [[]]], 'each change is owed to the master');
  // The master's copies and deletes move chunks; a later churn delete finds every holder.
  fleet.apply(cs0, { status: 'alive', full_report: false, chunks_to_delete: [], chunks_to_replicate: [{ chunk: 'ch_1', target: 'cs1' }] });
  fleet.apply(fleet.servers[2] as ChunkServer, { status: 'alive', full_report: false, chunks_to_delete: ['ch_1'], chunks_to_replicate: [] });
  t.same(holding(fleet, 'ch_1'), ['cs0', 'cs1', 'cs4']);
  fleet.churn(cs0, 3);
  t.same(holding(fleet, 'ch_1'), []);
  t.same(holding(fleet, 'ch_9'), ['cs0', 'cs1', 'cs2']);
});

t.test('churn: fractions of a write carry over; silent servers get no new chunk', async (t) => {
  const fleet = new ChunkServers(4, 2, { replicationFactor: 2 });
  const writer = fleet.servers[0] as ChunkServer;
  t.same([fleet.churn(writer, 1), fleet.churn(writer, 1), fleet.churn(writer, 5)], [0, 1, 2]);
  fleet.silence(2);
  fleet.churn(fleet.servers[3] as ChunkServer, 2);
  t.same(holding(fleet, 'ch_7'), ['cs2', 'cs3'], 'placed past the silent servers');
  const few = new ChunkServers(2, 0);
  few.churn(few.servers[0] as ChunkServer, 3);
  t.same(holding(few, 'ch_1'), ['cs0', 'cs1'], 'an empty fleet: nothing to delete, and as many replicas as there are servers');
});
