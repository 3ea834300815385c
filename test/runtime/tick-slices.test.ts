import t from 'tap';
import type { Clock } from '../../src/runtime/clock.js';
import { CoreDriver } from '../../src/runtime/driver.js';
import { REPORT_BATCH } from '../../src/core/reports.js';
import { handles, newMaster } from '../fixtures/master.js';
import { ManualTimers } from '../fixtures/timers.js';

// The driver's tick does the core's batch in slices and reads its clock between them.

/** A clock that moves on by `step` ms each time it is read, as a busy loop's would. */
function movingClock(step: number): Clock {
  let at = 0;
  return { now: () => (at += step) - step };
}

const LONG = 3 * REPORT_BATCH;

for (const [step, slices] of [[0, 4], [6, 2], [25, 1]] as const) {
  t.test(`a tick reading ${step} ms more each time does ${slices} of its 4 slices`, async (t) => {
    const timers = new ManualTimers();
    const driver = new CoreDriver(newMaster(), movingClock(step), { timers });
    t.teardown(() => driver.close());
    driver.run((now) => driver.master.heartbeat(now, { server: 'big', chunks: handles(LONG) }));
    const twin = newMaster();
    twin.heartbeat(0, { server: 'big', chunks: handles(LONG) });
    for (let slice = 0; slice < slices; slice++) twin.tick(0, 1 / 4);
    t.equal(timers.fire(0), 1, 'a step is due at once');
    const interned = driver.master.stats().chunks;
    t.ok(interned > 0 && interned < LONG, `part of the report is in (${interned})`);
    t.equal(interned, twin.stats().chunks, 'as much as that many quarter ticks do');
  });
}

t.test('ticks go on until the report is whole, and stop once nothing is due', async (t) => {
  const timers = new ManualTimers();
  const driver = new CoreDriver(newMaster(), movingClock(0), { timers });
  t.teardown(() => driver.close());
  driver.run((now) => driver.master.heartbeat(now, { server: 'big', chunks: handles(LONG) }));
  let ticks = 0;
  while (timers.fire(0) > 0) ticks++;
  t.ok(ticks > 1, `${ticks} ticks`);
  t.equal(driver.master.replicaCount('big'), LONG);
});
