import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { filled, grown, resizableBytesInUse } from '../../src/core/arrays.js';

const run = promisify(execFile);

t.test('a small array grows by copies, filled past its old end', async (t) => {
  const small = filled(4, -1);
  small[0] = 7;
  const bigger = grown(small, 5, -1);
  t.not(bigger, small, 'a new array');
  t.same([...bigger], [7, -1, -1, -1, -1, -1], 'half as long again');
  t.same([...grown(new Int32Array(2), 3, 0, 3)], [0, 0, 0, 0, 0], 'whole units, zeros left as they are');
});

t.test('a record pattern fills each record slot by slot, made and grown, small or resizable', async (t) => {
  t.same([...filled(6, [7, -1, -1])], [7, -1, -1, 7, -1, -1]);
  t.same([...filled(4, [0, 5])], [0, 5, 0, 5], 'zeros left as they are');
  const small = grown(filled(4, [1, 2]), 5, [1, 2]);
  t.equal(small.length % 2, 0, 'whole records');
  t.same([...small], Array.from({ length: small.length }, (_, at) => (at % 2 ? 2 : 1)));
  const big = grown(filled(1 << 20, [3, 0, 0, 9]), (1 << 20) + 1, [3, 0, 0, 9]);
  t.equal(big.length % 4, 0);
  t.same([...big.subarray(big.length - 8)], [3, 0, 0, 9, 3, 0, 0, 9], 'the new end, on a resizable buffer');
});

t.test('past a million elements an array moves once onto a resizable buffer, then grows in place', async (t) => {
  const start = filled(1 << 20, 5);
  const moved = grown(start, (1 << 20) + 1, -1);
  t.not(moved, start, 'moved once');
  t.equal((moved.buffer as ArrayBuffer & { resizable: boolean }).resizable, true);
  t.equal(moved[0], 5);
  t.equal(moved[moved.length - 1], -1);
  const length = moved.length;
  moved[length - 1] = 9;
  const again = grown(moved, length + 1, -2);
  t.equal(again, moved, 'the same object, grown in place');
  t.ok(again.length >= length + 1);
  t.equal(again[length - 1], 9, 'what was there stays');
  t.equal(again[length], -2, 'the new end is filled');
});

t.test('bytes held in resizable buffers are counted, as process.memoryUsage() does not', async (t) => {
  const before = resizableBytesInUse();
  const moved = grown(filled(1 << 20, 0), (1 << 20) + 1, 0);
  const first = resizableBytesInUse() - before;
  t.equal(first, moved.byteLength);
  grown(moved, moved.length + 1, 0);
  t.equal(resizableBytesInUse() - before, moved.byteLength, 'a resize counts what it adds, once');
});

t.test('a collected buffer is no longer counted', async (t) => {
  const fixture = fileURLToPath(new URL('../fixtures/resizable-release.ts', import.meta.url));
  const { stdout } = await run(process.execPath, [...process.execArgv, '--expose-gc', fixture]);
  const { before, during, after } = JSON.parse(stdout) as { before: number; during: number; after: number };
  t.ok(during > before, 'counted while held');
  t.equal(after, before, 'uncounted once collected');
});
