import t from 'tap';
import { Master } from '../../src/core/index.js';
import { monotonicClock } from '../../src/runtime/clock.js';
import { CoreDriver } from '../../src/runtime/driver.js';
import { STALL_PROBE_MS } from '../../src/runtime/stalls.js';
import { FakeClock } from '../fixtures/clock.js';
import { ManualTimers } from '../fixtures/timers.js';

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

t.test('the driver arms its one timer on the timers it is given', async (t) => {
  const clock = new FakeClock(0);
  const timers = new ManualTimers();
  const driver = new CoreDriver(new Master(0, { heartbeatIntervalMs: 100, deadAfterMissed: 2, safeModeMs: 0 }), clock, { timers });
  const events: string[] = [];
  driver.onEvent((e) => events.push(e.type));
  driver.run((now) => driver.master.heartbeat(now, { server: 'cs1' }));
  t.same([...timers.armed.values()].map((timer) => timer.ms), [200], 'armed for the dead timeout');
  clock.advance(200);
  timers.fire(200);
  t.same(events.slice(0, 2), ['server_alive', 'server_dead'], 'the death comes from that timer firing');
  t.equal(timers.armed.size, 1, 're-armed for the next deadline');
  driver.close();
  t.equal(timers.armed.size, 0, 'close clears it');
});

t.test('the stall probe runs on the same timers, each probe arming the next', async (t) => {
  const clock = new FakeClock(0);
  const timers = new ManualTimers();
  const master = new Master(0, { heartbeatIntervalMs: 1000, deadAfterMissed: 3, safeModeMs: 0 });
  const driver = new CoreDriver(master, clock, { timers, watchStalls: true });
  t.same([...timers.armed.values()].map((timer) => timer.ms), [STALL_PROBE_MS]);
  clock.advance(STALL_PROBE_MS + 2000);
  timers.fire(STALL_PROBE_MS);
  t.equal(driver.stallMs, 2000, 'a probe two seconds late is a stall');
  t.same([...timers.armed.values()].map((timer) => timer.ms), [STALL_PROBE_MS], 'and the next probe is armed');
  driver.close();
  t.equal(timers.armed.size, 0);
});

t.test('the core is told where each turn of the event loop begins', async (t) => {
  class Counting extends Master {
    turns = 0;
    override newTurn(): void {
      this.turns++;
      super.newTurn();
    }
  }
  const master = new Counting(0);
  const driver = new CoreDriver(master, new FakeClock(0));
  t.teardown(() => driver.close());
  driver.run((now) => master.heartbeat(now, { server: 'cs1' }));
  driver.run((now) => master.heartbeat(now, { server: 'cs2' }));
  t.equal(master.turns, 1, 'runs in one turn share it');
  await new Promise((resolve) => setImmediate(resolve));
  driver.run((now) => master.heartbeat(now, { server: 'cs1' }));
  t.equal(master.turns, 2, 'the next turn is a new one');
  const simulated = new Counting(0);
  const virtual = new CoreDriver(simulated, new FakeClock(0), { timers: { setTimeout: () => undefined, clearTimeout: () => undefined } });
  t.teardown(() => virtual.close());
  virtual.run((now) => simulated.heartbeat(now, { server: 'cs1' }));
  t.equal(simulated.turns, 0, 'timers without setImmediate (a simulator) tell no turns');
});
