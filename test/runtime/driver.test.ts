import t from 'tap';
import { Master } from '../../src/core/index.js';
import { monotonicClock } from '../../src/runtime/clock.js';
import { CoreDriver } from '../../src/runtime/driver.js';
import { FakeClock } from '../fixtures/clock.js';

function hold(t: { teardown(fn: () => void): void }) {
  const timer = setTimeout(() => undefined, 10_000);
  t.teardown(() => clearTimeout(timer));
}

t.test('delivers events to every listener until it unsubscribes', async (t) => {
  const clock = new FakeClock(0);
  const driver = new CoreDriver(new Master(0), clock);
  t.teardown(() => driver.close());
  const seen: string[] = [];
  const off = driver.onEvent((e) => seen.push(`a:${e.type}`));
  driver.onEvent((e) => seen.push(`b:${e.type}`));
  driver.run((now) => driver.master.heartbeat(now, { server: 'cs1' }));
  off();
  driver.run((now) => driver.master.heartbeat(now, { server: 'cs2' }));
  t.same(seen, ['a:server_alive', 'b:server_alive', 'b:server_alive']);
});

t.test('a timer that fires before the deadline re-arms instead of ticking early', async (t) => {
  hold(t);
  const clock = new FakeClock(0);
  const driver = new CoreDriver(new Master(0, { heartbeatIntervalMs: 5, deadAfterMissed: 2 }), clock);
  t.teardown(() => driver.close());
  const events: string[] = [];
  const dead = new Promise<void>((resolve) =>
    driver.onEvent((e) => {
      if (e.type !== 'server_alive' && e.type !== 'server_dead') return;
      events.push(e.type);
      if (e.type === 'server_dead') resolve();
    }),
  );
  driver.run((now) => driver.master.heartbeat(now, { server: 'cs1' }));
  // The real timer fires after about 10 ms, but the fake clock says only 4 ms passed.
  clock.advance(4);
  await new Promise((resolve) => setTimeout(resolve, 40));
  t.same(events, ['server_alive'], 'not dead while the core says the deadline is ahead');
  clock.advance(10);
  await dead;
  t.same(events, ['server_alive', 'server_dead']);
});

t.test('errors thrown by the work still re-arm the timer', async (t) => {
  const clock = new FakeClock(0);
  const driver = new CoreDriver(new Master(0), clock);
  t.teardown(() => driver.close());
  t.throws(() =>
    driver.run((now) => {
      driver.master.heartbeat(now, { server: 'cs1' });
      throw new Error('after the heartbeat');
    }),
  );
  t.equal(driver.master.nextDeadline(), 15_000);
});

t.test('close stops the timer and later runs do not re-arm it', async (t) => {
  const clock = new FakeClock(0);
  const driver = new CoreDriver(new Master(0, { heartbeatIntervalMs: 1, deadAfterMissed: 1 }), clock);
  const events: string[] = [];
  driver.onEvent((e) => events.push(e.type));
  driver.run((now) => driver.master.heartbeat(now, { server: 'cs1' }));
  driver.close();
  driver.run((now) => driver.master.heartbeat(now, { server: 'cs2' }));
  clock.advance(100);
  await new Promise((resolve) => setTimeout(resolve, 30));
  t.same(events, ['server_alive', 'server_alive'], 'no death was delivered after close');
});

t.test('the real clock is monotonic and in milliseconds', async (t) => {
  const driver = new CoreDriver(new Master(monotonicClock.now()));
  const a = driver.now();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const b = driver.now();
  t.ok(b - a >= 15 && b - a < 5000, `moved ${b - a} ms`);
  driver.close();
});
