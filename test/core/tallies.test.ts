import t from 'tap';
import { ChunkTally, MAX_EXAMPLES } from '../../src/core/tallies.js';

t.test('a tally counts every chunk and keeps only the first few as examples', async (t) => {
  const tally = new ChunkTally();
  t.equal(tally.count, 0);
  t.same(tally.examples, []);
  const handles = Array.from({ length: MAX_EXAMPLES + 5 }, (_, i) => `c${i}`);
  for (const handle of handles) tally.add(handle);
  t.equal(tally.count, MAX_EXAMPLES + 5);
  t.same(tally.examples, handles.slice(0, MAX_EXAMPLES), 'the first ones, in the order added');
  tally.add('c0');
  t.equal(tally.count, MAX_EXAMPLES + 6, 'a handle added twice counts twice: callers add each loss once');
});
