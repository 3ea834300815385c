import { createHash } from 'node:crypto';
import t from 'tap';
import { Trace } from '../../src/sim/trace.js';

t.test('a trace hashes its lines in order, and keeps them only when asked', async (t) => {
  const hashOf = (lines: string[], keep = false) => {
    const trace = new Trace(keep);
    for (const line of lines) trace.add(line);
    return trace;
  };
  const a = hashOf(['x', 'y'], true);
  t.same(a.lines, ['x', 'y']);
  t.equal(a.entries, 2);
  t.equal(a.finish(), hashOf(['x', 'y']).finish());
  t.equal(a.finish(), a.finish(), 'finishing twice gives the same hash');
  t.not(a.finish(), hashOf(['y', 'x']).finish(), 'order counts');
  t.not(hashOf(['xy']).finish(), hashOf(['x', 'y']).finish(), 'so do line breaks');
  t.equal(hashOf(['x']).lines, undefined);
  const long = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'.'.repeat(40)}`);
  const whole = createHash('sha256').update(`${long.join('\n')}\n`).digest('hex');
  t.equal(hashOf(long).finish(), whole.slice(0, 16), 'the SHA-256 of the lines, however they were batched');
});
