import t from 'tap';
import { LogThrottle, MAX_EXAMPLES } from '../../src/runtime/log-throttle.js';

t.test('the throttle on its own: a burst, folded values, and a forced summary', async (t) => {
  const throttle = new LogThrottle(1000, 2);
  t.equal(throttle.take(0), undefined, 'no window yet');
  t.ok(throttle.record(0, ['a']));
  t.ok(throttle.record(1, ['b']));
  t.notOk(throttle.record(2, ['c'], { n: 2 }));
  t.notOk(throttle.record(3, ['d']));
  t.equal(throttle.take(999), undefined, 'the window is still open');
  t.same(throttle.take(999, true), { count: 2, examples: ['c', 'd'], totals: { n: 2 } });
});

t.test('a window opens at the first occurrence; the burst is written, the rest folded until it ends', async (t) => {
  const throttle = new LogThrottle(1000, 2);
  t.equal(throttle.nextDeadline(), undefined, 'no window before anything happens');
  t.ok(throttle.record(100, []));
  t.equal(throttle.nextDeadline(), 1100);
  t.ok(throttle.record(200, []));
  t.notOk(throttle.record(300, ['x'], { replicas: 3 }));
  t.notOk(throttle.record(400, ['y'], { replicas: 4, chunks: 1 }));
  t.equal(throttle.take(1099), undefined, 'a millisecond early');
  t.same(throttle.take(1100), { count: 2, examples: ['x', 'y'], totals: { replicas: 7, chunks: 1 } });
});

t.test('while occurrences keep coming there is one summary per window; a quiet window ends the throttling', async (t) => {
  const throttle = new LogThrottle(1000, 1);
  t.ok(throttle.record(0, []));
  t.notOk(throttle.record(10, ['a']));
  t.same(throttle.take(1000)?.count, 1);
  t.equal(throttle.nextDeadline(), 2000, 'still repeating: a new window at once');
  t.notOk(throttle.record(1500, ['b']), 'and it folds from its first occurrence');
  t.same(throttle.take(2000), { count: 1, examples: ['b'], totals: {} });
  t.equal(throttle.take(3000), undefined, 'a window with nothing folded has no summary');
  t.equal(throttle.nextDeadline(), undefined, 'and closes the throttling');
  t.ok(throttle.record(3500, []), 'so the next occurrence is written at once');
  t.equal(throttle.nextDeadline(), 4500);
});

t.test('a summary keeps at most MAX_EXAMPLES examples, the first ones', async (t) => {
  const throttle = new LogThrottle(1000, 0);
  const handles = Array.from({ length: MAX_EXAMPLES + 3 }, (_, i) => `c${i}`);
  t.notOk(throttle.record(0, handles.slice(0, 4)), 'a burst of 0 folds everything');
  t.notOk(throttle.record(1, handles.slice(4)));
  t.same(throttle.take(1000), { count: 2, examples: handles.slice(0, MAX_EXAMPLES), totals: {} });
});
