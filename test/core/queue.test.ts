import t from 'tap';
import { PendingInstructions } from '../../src/core/pending.js';
import { ChunkQueue } from '../../src/core/queue.js';

t.test('chunks are filed by counted replicas, missing ones apart, excess independently', async (t) => {
  const q = new ChunkQueue(3);
  t.equal(q.update(1, 2, 2), false);
  t.equal(q.update(2, 1, 1), false);
  t.equal(q.update(3, 0, 0), true, 'losing the last replica is reported');
  t.equal(q.update(3, 0, 0), false, 'only once');
  t.equal(q.update(4, 4, 2), false, 'two counted plus two draining: under and excess');
  t.same([...q.underReplicated()], [3, 2, 1, 4]);
  t.equal(q.underCount, 3, 'missing chunks cannot be helped by copies');
  t.same(q.takeExcess(10), [4]);
  q.update(4, 3, 3);
  t.same(q.takeExcess(10), [], 'back to target RF: out of the excess line');
  t.same(q.takeUnder(10), [2, 1]);
  q.update(3, 1, 1);
  t.same([...q.underReplicated()], [2, 3, 1], 'a returning replica makes a missing chunk critical');
  q.update(2000, 1, 1);
  t.ok([...q.underReplicated()].includes(2000), 'grows for new chunk ids');
  t.equal(q.placeOf(1 << 20), -1, 'a chunk never filed is in no group');
});

t.test('taking rotates each line so every chunk gets a turn', async (t) => {
  const q = new ChunkQueue(2);
  for (let c = 0; c < 5; c++) q.update(c, 1, 1);
  t.same(q.takeUnder(2), [0, 1]);
  t.same(q.takeUnder(2), [2, 3]);
  t.same(q.takeUnder(2), [4, 0]);
  t.same(q.takeUnder(10), [1, 2, 3, 4, 0], 'never the same entry twice in one take');
  t.equal(q.hasWork, true);
});

t.test('stale entries are swept out; nothing is lost or duplicated', async (t) => {
  const q = new ChunkQueue(3);
  for (let c = 0; c < 5000; c++) q.update(c, 1, 1);
  // Most chunks get fixed: their entries go stale behind the ten that stay.
  for (let c = 10; c < 5000; c++) q.update(c, 3, 3);
  t.same(q.takeUnder(4), [0, 1, 2, 3]);
  t.same(q.takeUnder(8), [4, 5, 6, 7, 8, 9, 0, 1]);
  t.same([...q.underReplicated()].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (let c = 0; c < 3000; c++) q.update(c, 5, 3);
  for (let c = 0; c < 3000; c++) q.update(c, 3, 3);
  t.same(q.takeExcess(10), []);
  t.equal(q.hasWork, false);
});

t.test('pending instructions: loads, delivery limits, confirmation, deaths and timeouts', async (t) => {
  const p = new PendingInstructions();
  const a = p.add(1, 10, 20, 100);
  p.add(2, 10, 21, 100);
  p.add(3, 10, -1, 200);
  t.equal(p.size, 3);
  t.equal(p.ownerLoadOf(10), 3);
  t.equal(p.peerLoadOf(20), 1);
  t.equal(p.of(10).length, 3);
  t.same(p.takeUndelivered(10, 50, 2).map((i) => i.chunk), [1, 2]);
  t.equal(a.delivered, true);
  t.equal(a.deliveredAt, 50);
  t.same(p.takeUndelivered(10, 60).map((i) => i.chunk), [3], 'the rest on the next reply');
  t.same(p.takeUndelivered(10, 70), []);
  t.same(p.of(10).map((i) => i.chunk), [1, 2, 3]);
  t.equal(p.confirm(1, 20, 'peer'), true);
  t.equal(p.confirm(1, 20, 'peer'), false, 'confirmed once');
  t.equal(p.confirm(3, 10, 'owner'), true);
  t.equal(p.peerLoadOf(20), 0);
  t.same(p.dropServer(21), [2]);
  t.equal(p.size, 0);
  t.equal(p.nextDeadline(), undefined);
  for (let i = 0; i < 3000; i++) p.add(i, i % 7, (i % 7) + 1, 1000 + i);
  t.equal(p.nextDeadline(), 1000);
  t.equal(p.expire(2999).length, 2000);
  t.equal(p.size, 1000);
  t.equal(p.nextDeadline(), 3000);
  t.same(p.forChunk(2999).length, 1);
  t.same(p.forChunk(5).length, 0);
  const forever = p.add(9, 1, -1, Number.POSITIVE_INFINITY);
  t.same(p.expire(1e12).includes(9), false, 'an instruction without a deadline never expires');
  t.equal(forever.open, true);
});
