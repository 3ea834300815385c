import fc from 'fast-check';
import t from 'tap';
import { DeadlineHeap } from '../../src/core/heap.js';

t.test('pops keys by earliest deadline and moves a rescheduled key', async (t) => {
  const heap = new DeadlineHeap();
  heap.set(1, 30);
  heap.set(2, 10);
  heap.set(3, 20);
  t.equal(heap.peekKey(), 2);
  t.equal(heap.peekDeadline(), 10);
  heap.set(2, 40);
  t.equal(heap.peekKey(), 3, 'a later deadline sinks');
  heap.set(1, 5);
  t.equal(heap.peekKey(), 1, 'an earlier deadline rises');
  t.equal(heap.size, 3);
  t.ok(heap.has(3));
  heap.delete(3);
  heap.delete(3);
  t.notOk(heap.has(3));
  t.notOk(heap.has(99));
  t.same([heap.pop(), heap.pop(), heap.pop()], [1, 2, undefined]);
  t.equal(heap.peekDeadline(), undefined);
});

type Op = { kind: 'set'; key: number; deadline: number } | { kind: 'delete'; key: number } | { kind: 'pop' };

t.test('agrees with a sorted list under any sequence of changes', async (t) => {
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), key: fc.nat(15), deadline: fc.integer({ min: 0, max: 50 }) }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.nat(15) }),
    fc.record({ kind: fc.constant('pop' as const) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
      const heap = new DeadlineHeap();
      const model = new Map<number, number>();
      for (const step of ops) {
        if (step.kind === 'set') {
          heap.set(step.key, step.deadline);
          model.set(step.key, step.deadline);
        } else if (step.kind === 'delete') {
          heap.delete(step.key);
          model.delete(step.key);
        } else {
          const earliest = Math.min(...model.values());
          const key = heap.pop();
          if (key === undefined) {
            if (model.size !== 0) return false;
          } else {
            // Ties may pop in any order, but the deadline must be the earliest.
            if (model.get(key) !== earliest) return false;
            model.delete(key);
          }
        }
        if (heap.size !== model.size) return false;
        if (model.size > 0 && heap.peekDeadline() !== Math.min(...model.values())) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
