import fc from 'fast-check';
import t from 'tap';
import { DeadlineHeap } from '../../src/core/heap.js';

t.test('pops keys in deadline order', async (t) => {
  const heap = new DeadlineHeap();
  heap.set(1, 30);
  heap.set(2, 10);
  heap.set(3, 20);
  t.equal(heap.size, 3);
  t.equal(heap.peekDeadline(), 10);
  t.same([heap.pop(), heap.pop(), heap.pop()], [2, 3, 1], 'the earliest first: key 2');
  t.equal(heap.pop(), undefined);
  t.equal(heap.peekDeadline(), undefined);
});

t.test('rescheduling moves the one entry of a key', async (t) => {
  const rescheduled = (...deadlinesOfKey1: number[]) => {
    const heap = new DeadlineHeap();
    heap.set(1, 10);
    heap.set(2, 20);
    for (const deadline of deadlinesOfKey1) heap.set(1, deadline);
    return heap;
  };
  const later = rescheduled(30);
  t.equal(later.size, 2);
  t.equal(later.peekDeadline(), 20);
  t.equal(later.pop(), 2, 'key 1 moved behind key 2');
  const earlier = rescheduled(30, 5);
  t.equal(earlier.peekDeadline(), 5);
  t.equal(earlier.pop(), 1, 'and back in front');
});

t.test('delete removes any entry and tolerates absent keys', async (t) => {
  const heap = new DeadlineHeap();
  for (const [key, deadline] of [[1, 50], [2, 10], [3, 40], [4, 20], [5, 30]] as const) heap.set(key, deadline);
  heap.delete(4);
  heap.delete(99);
  t.notOk(heap.has(4));
  t.ok(heap.has(3));
  t.same([heap.pop(), heap.pop(), heap.pop(), heap.pop()], [2, 5, 3, 1]);
});

t.test('behaves like a sorted model under random operations', async () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), key: fc.nat(20), deadline: fc.integer({ min: 0, max: 1000 }) }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.nat(20) }),
    fc.record({ kind: fc.constant('pop' as const) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const heap = new DeadlineHeap();
      const model = new Map<number, number>();
      for (const o of ops) {
        if (o.kind === 'set') {
          heap.set(o.key, o.deadline);
          model.set(o.key, o.deadline);
        } else if (o.kind === 'delete') {
          heap.delete(o.key);
          model.delete(o.key);
        } else {
          const earliest = Math.min(...model.values());
          const key = heap.pop();
          if (model.size === 0) return key === undefined;
          if (key === undefined || model.get(key) !== earliest) return false;
          model.delete(key);
        }
        if (heap.size !== model.size) return false;
      }
      return true;
    }),
  );
});

t.test("deadlineOf reads a key's deadline without moving it", async (t) => {
  const heap = new DeadlineHeap();
  heap.set(3, 10);
  heap.set(1, 5);
  t.equal(heap.deadlineOf(3), 10);
  t.equal(heap.deadlineOf(99), undefined, 'a key never set');
  heap.delete(3);
  t.equal(heap.deadlineOf(3), undefined, 'a key deleted');
  t.equal(heap.peekDeadline(), 5);
});
