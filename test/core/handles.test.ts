import fc from 'fast-check';
import t from 'tap';
import { HandleTable, type HandleKey, keyOf, STRING_KEY } from '../../src/core/handles.js';

function key(handle: string): HandleKey {
  const into = { lo: 0, hi: 0 };
  keyOf(handle, into);
  return into;
}

t.test('canonical decimal integers up to 2^53 - 1 are keyed by value, in halves of the last 8 digits and the rest', async (t) => {
  t.same(key('0'), { lo: 0, hi: 0 });
  t.same(key('99999999'), { lo: 99_999_999, hi: 0 }, 'eight digits fit the low half');
  t.same(key('100000000'), { lo: 0, hi: 1 });
  t.same(key('4294967296'), { lo: 94_967_296, hi: 42 });
  t.same(key('9007199254740991'), { lo: 54_740_991, hi: 90_071_992 }, 'Number.MAX_SAFE_INTEGER');
  for (const text of ['', '00', '07', '-1', '+1', '1.5', '1e3', ' 1', '1 ', '١', '12345678x', 'x12345678', '9007199254740992', '9999999999999999', '12345678901234567']) {
    t.equal(key(text).hi, STRING_KEY, `${JSON.stringify(text)} is keyed by its text`);
  }
});

t.test('a table gives dense ids, rebuilds numeric handles and keeps the others', async (t) => {
  const table = new HandleTable();
  t.equal(table.intern('1000000000000042'), 0);
  t.equal(table.intern('ch_7'), 1);
  t.equal(table.intern('007'), 2, '007 is not 7');
  t.equal(table.intern('7'), 3);
  t.equal(table.intern('ch_7'), 1, 'a known handle keeps its id');
  t.equal(table.find('7'), 3);
  t.equal(table.find('8'), -1);
  t.equal(table.handleOf(0), '1000000000000042');
  t.equal(table.handleOf(2), '007');
  t.equal(table.size, 4);
  t.equal(table.remove(1), true);
  t.equal(table.remove(1), false, 'a freed id is not held');
  t.equal(table.has(1), false);
  t.equal(table.find('ch_7'), -1);
  t.equal(table.intern('other'), 1, 'a freed id is handed out again');
  t.equal(table.idLimit, 4);
  t.equal(table.has(-1), false);
  t.equal(table.has(4), false);
});

t.test('keeps every handle through growth past its first slots and ids', async (t) => {
  const table = new HandleTable();
  const count = 5000;
  const text = (n: number) => (n % 2 ? `h${n}` : String(n));
  const ids = Array.from({ length: count }, (_, n) => table.intern(text(n)));
  t.same(ids, Array.from({ length: count }, (_, n) => n), 'ids are dense, in order');
  t.same(ids.filter((n) => table.find(text(n)) !== n), [], 'every handle is found');
  for (let n = 0; n < count; n += 3) table.remove(n);
  t.same(ids.filter((n) => table.find(text(n)) !== (n % 3 === 0 ? -1 : n)), [], 'removed ones are gone, the rest found');
  t.equal(table.size, count - Math.ceil(count / 3));
});

t.test('every safe integer keeps its own key and comes back as its own text', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.maxSafeNat(), { minLength: 1, maxLength: 200 }), (values) => {
      const table = new HandleTable();
      const ids = new Map(values.map((value) => [value, table.intern(String(value))]));
      if (table.size !== ids.size) return false;
      return [...ids].every(([value, id]) => key(String(value)).hi >= 0 && table.handleOf(id) === String(value) && table.find(String(value)) === id);
    }),
    { numRuns: 200 },
  );
  t.pass('distinct values never shared a key, and each was rebuilt exactly');
});

type Op = { kind: 'intern' | 'find' | 'remove'; handle: string };

// Few distinct handles, so the same ones come and go; numeric, zero-padded and text ones mixed.
const handle = fc.oneof(
  fc.nat(40).map(String),
  fc.nat(40).map((n) => `0${n}`),
  fc.nat(40).map((n) => `c${n}`),
  fc.constantFrom('9007199254740991', '9007199254740992', '4294967296', '', '\u0000', '🧩'),
);
const op: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom('intern' as const, 'find' as const, 'remove' as const), handle });

t.test('behaves like a Map of handles to ids under any sequence of changes', async (t) => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 1500 }), (ops) => {
      const table = new HandleTable();
      const model = new Map<string, number>();
      for (const step of ops) {
        const known = model.get(step.handle);
        if (step.kind === 'find' && table.find(step.handle) !== (known ?? -1)) return false;
        if (step.kind === 'intern') {
          const id = table.intern(step.handle);
          if (known !== undefined ? id !== known : [...model.values()].includes(id)) return false;
          model.set(step.handle, id);
        }
        if (step.kind === 'remove' && known !== undefined) {
          if (!table.remove(known)) return false;
          model.delete(step.handle);
        }
      }
      if (table.size !== model.size) return false;
      return [...model].every(([text, id]) => table.find(text) === id && table.handleOf(id) === text && table.has(id));
    }),
    { numRuns: 200 },
  );
  t.pass('every sequence agreed with the model');
});

t.test('deleting keeps probe chains whole where they wrap around the table', async (t) => {
  // Shards of 16 to 64 slots, kept under 70% full: 500 handles crowd every region, the ends included.
  const table = new HandleTable();
  const live = new Map<string, number>();
  for (let round = 0; round < 20; round++) {
    for (let n = 0; n < 500; n++) {
      const text = `r${round}-${n}`;
      live.set(text, table.intern(text));
    }
    let drop = 0;
    for (const [text, id] of live) {
      if (drop++ % 2 === 0) {
        table.remove(id);
        live.delete(text);
      }
    }
    while (live.size > 500) {
      const [text, id] = live.entries().next().value as [string, number];
      table.remove(id);
      live.delete(text);
    }
  }
  const lost = [...live].filter(([text, id]) => table.find(text) !== id);
  t.same(lost, [], 'every live handle is still found');
  t.equal(table.size, live.size);
});
