import t from 'tap';
import { Master } from '../../src/core/index.js';
import { CoreDriver } from '../../src/runtime/driver.js';
import { defaultCoreConfig } from '../../src/core/index.js';
import { STALL_PROBE_MS, STALL_SLACK_MS, StallWatch, stallSlackMs } from '../../src/runtime/stalls.js';
import { FakeClock } from '../fixtures/clock.js';

t.test('the watch tells a blocked loop from an idle one, and counts each stretch once', async (t) => {
  const watch = new StallWatch(0, 50, 50);
  t.equal(watch.probe(50), 0, 'on time');
  t.equal(watch.probe(140), 0, 'late by 40 ms: jitter');
  t.equal(watch.probe(1190), 1000, 'late by a second: a stall');
  t.equal(watch.beforeWork(1200), 0, 'work soon after a probe: nothing overdue');
  t.equal(watch.afterWork(1200, 1230), 0, 'short work');
  t.equal(watch.afterWork(1230, 1730), 500, 'half a second of work: nobody heard meanwhile');
  t.equal(watch.probe(1780), 0, 'the probe after long work counts from its end');
  t.equal(watch.beforeWork(3830), 2000, 'work starting while the probe is two seconds overdue');
  t.equal(watch.probe(3880), 0, 'already counted');
});

t.test('with stall watching, work that runs long is credited to every deadline', async (t) => {
  const clock = new FakeClock(0);
  const master = new Master(0, { safeModeMs: 0, heartbeatIntervalMs: 100, deadAfterMissed: 3 });
  const driver = new CoreDriver(master, clock, { watchStalls: true });
  t.teardown(() => driver.close());
  driver.run((now) => master.heartbeat(now, { server: 'other' }));
  // A huge report keeps the master busy for 2 s: `other` could not be heard meanwhile.
  driver.run((now) => {
    master.heartbeat(now, { server: 'big', chunks: ['a'] });
    clock.advance(2000);
  });
  t.equal(driver.stallMs, 2000);
  t.equal(master.server(clock.now(), 'other')?.status, 'alive', "other's deadline moved with the stall");
  t.equal(master.server(clock.now(), 'big')?.status, 'alive', 'and so did the sender of the report');
  const slack = stallSlackMs(master.config);
  t.equal(slack, 50, 'at 100 ms heartbeats, a quarter of the 200 ms margin');
  clock.advance(STALL_PROBE_MS + slack + 500);
  driver.run((now) => master.heartbeat(now, { server: 'other' }));
  t.equal(driver.stallMs, 2000 + 500 + slack, 'a loop blocked past the probe is credited when work starts');
  t.equal(master.server(clock.now(), 'big')?.status, 'alive');
  clock.advance(300);
  t.equal(master.server(clock.now(), 'big')?.status, 'dead', 'silence the master could have heard still kills');
});

t.test('the slack is a quarter of the margin a heartbeat interval leaves, at most 250 ms', async (t) => {
  t.equal(stallSlackMs(defaultCoreConfig()), STALL_SLACK_MS, 'default timing: 10 s of margin, the cap');
  t.equal(stallSlackMs(defaultCoreConfig({ heartbeatIntervalMs: 2000 })), 250);
  t.equal(stallSlackMs(defaultCoreConfig({ heartbeatIntervalMs: 400 })), 200);
  t.equal(stallSlackMs(defaultCoreConfig({ heartbeatIntervalMs: 1, deadAfterMissed: 1 })), 1, 'never zero');
});

t.test('a fake clock is not watched unless asked: its jumps are the test, not stalls', async (t) => {
  const clock = new FakeClock(0);
  const driver = new CoreDriver(new Master(0, { safeModeMs: 0 }), clock);
  t.teardown(() => driver.close());
  driver.run((now) => driver.master.heartbeat(now, { server: 'a' }));
  clock.advance(15_000);
  driver.run(() => undefined);
  t.equal(driver.stallMs, 0);
  t.equal(driver.master.server(clock.now(), 'a')?.status, 'dead');
});
