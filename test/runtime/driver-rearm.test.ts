import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { type CoreEvent, Master } from '../../src/core/index.js';
import { CoreDriver } from '../../src/runtime/driver.js';

/** A clock that runs at real speed from a chosen origin, so timers and `now` agree. */
function realClock() {
  const origin = performance.now();
  return { now: () => performance.now() - origin };
}

async function until(condition: () => boolean, limitMs = 5000): Promise<boolean> {
  const giveUpAt = performance.now() + limitMs;
  while (!condition()) {
    if (performance.now() > giveUpAt) return false;
    await sleep(5);
  }
  return true;
}

t.test('a later deadline keeps the armed timer, which re-arms when it fires early', async (t) => {
  const clock = realClock();
  const driver = new CoreDriver(new Master(clock.now(), { heartbeatIntervalMs: 30, deadAfterMissed: 1 }), clock);
  const dead: string[] = [];
  driver.onEvent((event) => event.type === 'server_dead' && dead.push(event.server));
  driver.run((now) => driver.master.heartbeat(now, { server: 'a' }));
  driver.run((now) => driver.master.heartbeat(now, { server: 'b' }));
  // Keep `a` alive past its first deadline: the timer armed for it finds nothing due.
  const keepAlive = setInterval(() => driver.run((now) => driver.master.heartbeat(now, { server: 'a' })), 5);
  t.ok(await until(() => dead.includes('b')), 'b dies though the timer was armed for a');
  clearInterval(keepAlive);
  t.notOk(dead.includes('a'), 'a, heartbeating, stays alive');
  t.ok(await until(() => dead.includes('a')), 'a dies once silent');
  t.ok((driver.master.nextDeadline() ?? 0) >= 600_000, 'only the dead-out moments are left');
  driver.close();
  t.equal(driver.run(() => 42), 42, 'a closed driver still runs work, with no timer');
});
