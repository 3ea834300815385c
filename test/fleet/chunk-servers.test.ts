import t from 'tap';
import { ChunkServers } from '../../src/fleet/chunk-servers.js';

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
