import t from 'tap';
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

t.test('more chunks missing at once than a Set can hold (2^24): a whole fleet of 33M chunks dead together', async (t) => {
  const q = new ChunkQueue(3);
  const chunks = 2 ** 24 + 1;
  for (let chunk = 0; chunk < chunks; chunk++) q.update(chunk, 0, 0);
  t.equal(q.missingCount, chunks);
  let seen = 0;
  for (const chunk of q.missingChunks()) if (chunk === seen++ && chunk % 2 === 0) q.forget(chunk);
  t.equal(seen, chunks, 'every missing chunk is walked once, even while the walk forgets some');
  t.equal(q.missingCount, (chunks - 1) / 2);
});
