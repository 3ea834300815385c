import t from 'tap';
import { realTimers } from '../../src/runtime/clock.js';

t.test('real timers run once, can be cleared, and never keep the process alive', async (t) => {
  let ran = 0;
  const handle = realTimers.setTimeout(() => ran++, 0);
  t.equal((handle as NodeJS.Timeout).hasRef(), false, 'unref\'d: a timer alone must not hold a finished process');
  const cleared = realTimers.setTimeout(() => (ran += 100), 0);
  realTimers.clearTimeout(cleared);
  await new Promise((resolve) => setTimeout(resolve, 5));
  t.equal(ran, 1, 'the first ran, the cleared one did not');
  realTimers.clearTimeout(handle);
  t.equal(ran, 1, 'clearing a timer that ran is harmless');
});
