import t from 'tap';
import { Rng } from '../../src/sim/prng.js';

t.test('the PRNG is seeded, in range and covers its range', async (t) => {
  const a = new Rng(42);
  const b = new Rng(42);
  const draws = Array.from({ length: 1000 }, () => a.int(1, 6));
  t.same(draws, Array.from({ length: 1000 }, () => b.int(1, 6)));
  t.same([...new Set(draws)].sort(), [1, 2, 3, 4, 5, 6]);
  const c = new Rng(43);
  t.not(c.next(), new Rng(42).next());
  const picked = c.sample(['a', 'b', 'c', 'd'], 3);
  t.equal(new Set(picked).size, 3);
  t.ok(['x', 'y'].includes(c.pick(['x', 'y'])));
  const hits = Array.from({ length: 1000 }, () => c.chance(0.25)).filter(Boolean).length;
  t.ok(hits > 150 && hits < 350, `chance(0.25) hit ${hits} of 1000`);
});
