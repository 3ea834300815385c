import t from 'tap';
import { LargestOnTop } from '../../src/core/smallest.js';
import type { UnderReplicated } from '../../src/core/types.js';

const entry = (chunk: string): UnderReplicated => ({ chunk, currentRf: 1, targetRf: 3, priority: 'critical' });

/** Offers every handle as reads.ts does: only those wouldTake() accepts. */
function smallest(capacity: number, handles: readonly string[]): string[] {
  const heap = new LargestOnTop(capacity);
  for (const handle of handles) if (heap.wouldTake(handle)) heap.offer(entry(handle));
  return heap.sorted().map((e) => e.chunk);
}

t.test('keeps the `capacity` smallest handles offered, sorted', async (t) => {
  t.same(smallest(3, ['m', 'c', 'x', 'a', 'q', 'b', 'z']), ['a', 'b', 'c']);
  t.same(smallest(3, ['b', 'a']), ['a', 'b'], 'fewer than capacity: all of them');
  t.same(smallest(1, ['b', 'c', 'a', 'd']), ['a']);
  t.same(smallest(4, []), []);
  t.same(smallest(3, ['k10', 'k9', 'k1']), ['k1', 'k10', 'k9'], 'handles compare as strings, not numbers');
});

t.test('a full heap turns away any handle not below its largest', async (t) => {
  const heap = new LargestOnTop(2);
  t.ok(heap.wouldTake('z'), 'room left: anything goes');
  heap.offer(entry('m'));
  heap.offer(entry('d'));
  t.notOk(heap.wouldTake('m'), 'equal to the largest');
  t.notOk(heap.wouldTake('n'));
  t.ok(heap.wouldTake('e'));
  heap.offer(entry('e'));
  t.notOk(heap.wouldTake('f'), 'the evicted largest no longer sets the bar');
  t.same(heap.sorted().map((e) => e.chunk), ['d', 'e']);
});

t.test('agrees with sorting on many random offers', async (t) => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let round = 0; round < 50; round++) {
    const handles = [...new Set(Array.from({ length: 1 + (random() % 60) }, () => `h${random() % 500}`))];
    const capacity = 1 + (random() % 10);
    t.same(smallest(capacity, handles), [...handles].sort().slice(0, capacity), `round ${round}`);
  }
});
