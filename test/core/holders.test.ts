import fc from 'fast-check';
import t from 'tap';
import { ChunkHolders } from '../../src/core/holders.js';

function listOf(holders: ChunkHolders, chunk: number): [number, number][] {
  return Array.from({ length: holders.count(chunk) }, (_, k) => [holders.serverAt(chunk, k), holders.recordAt(chunk, k)]);
}

t.test('holders past the inline three overflow, and keep the order they were added in as any of them goes', async (t) => {
  const holders = new ChunkHolders();
  holders.fit(5);
  for (let server = 0; server < 6; server++) holders.add(5, server, 100 + server);
  t.same(listOf(holders, 5), [0, 1, 2, 3, 4, 5].map((s) => [s, 100 + s]));
  t.equal(holders.indexOf(5, 4), 4, 'found on the overflow list');
  t.equal(holders.indexOf(5, 9), -1);
  t.equal(holders.removeAt(5, 4), 104, 'from the middle of the overflow list');
  t.equal(holders.removeAt(5, 3), 103, 'from its head');
  t.equal(holders.removeAt(5, 1), 101, 'an inline one: the first overflow holder moves up');
  t.same(listOf(holders, 5), [[0, 100], [2, 102], [5, 105]]);
  holders.add(5, 7, 107);
  holders.add(5, 8, 108);
  t.same(listOf(holders, 5), [[0, 100], [2, 102], [5, 105], [7, 107], [8, 108]], 'freed overflow nodes are used again');
  t.equal(holders.lastHolder(5), -1, 'held: no last holder');
});

t.test('a chunk that lost its last holder names it until it is cleared or held again', async (t) => {
  const holders = new ChunkHolders();
  holders.fit(0);
  t.equal(holders.lastHolder(0), -1, 'never held');
  holders.add(0, 4, 40);
  holders.add(0, 6, 60);
  holders.removeAt(0, 0);
  t.equal(holders.lastHolder(0), -1, 'one left');
  holders.removeAt(0, 0);
  t.equal(holders.lastHolder(0), 6);
  holders.add(0, 2, 20);
  t.equal(holders.lastHolder(0), -1);
  holders.clearLastHolder(0);
  t.same(listOf(holders, 0), [[2, 20]], 'clearing leaves a held chunk alone');
  holders.removeAt(0, 0);
  t.equal(holders.lastHolder(0), 2);
  holders.clearLastHolder(0);
  t.equal(holders.lastHolder(0), -1);
});

type Step = { chunk: number; server: number; remove: boolean };
const step: fc.Arbitrary<Step> = fc.record({ chunk: fc.nat(3), server: fc.nat(7), remove: fc.boolean() });

t.test('agrees with a list per chunk under any sequence of adds and removes', async (t) => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 400 }), (steps) => {
      const holders = new ChunkHolders();
      holders.fit(3);
      const model = Array.from({ length: 4 }, (): [number, number][] => []);
      let record = 0;
      for (const { chunk, server, remove } of steps) {
        const list = model[chunk] as [number, number][];
        const at = list.findIndex(([held]) => held === server);
        if (holders.indexOf(chunk, server) !== at) return false;
        if (remove && at >= 0) {
          if (holders.removeAt(chunk, at) !== (list[at] as [number, number])[1]) return false;
          list.splice(at, 1);
        } else if (!remove && at < 0) {
          holders.add(chunk, server, record);
          list.push([server, record++]);
        }
      }
      return model.every((list, chunk) => JSON.stringify(listOf(holders, chunk)) === JSON.stringify(list));
    }),
    { numRuns: 300 },
  );
  t.pass('every sequence agreed with the model');
});

t.test('room for many chunks and many overflowing holders', async (t) => {
  const holders = new ChunkHolders();
  holders.fit(9_999);
  for (let chunk = 0; chunk < 10_000; chunk++) for (let server = 0; server < 5; server++) holders.add(chunk, server, chunk * 5 + server);
  t.equal(holders.count(9_999), 5);
  t.equal(holders.recordAt(9_999, 4), 49_999);
  t.equal(holders.serverAt(1234, 3), 3);
});
