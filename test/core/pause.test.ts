import t from 'tap';
import { defaultCoreConfig } from '../../src/core/config.js';
import { PlanningPause } from '../../src/core/pause.js';
import type { CoreEvent } from '../../src/core/types.js';

function pause(overrides: Parameters<typeof defaultCoreConfig>[0] = {}) {
  const told: CoreEvent[] = [];
  return { pause: new PlanningPause(defaultCoreConfig(overrides), 1000, (event) => told.push(event)), told };
}

t.test('safe mode pauses planning from the start time until it runs out, told once', async (t) => {
  const { pause: p, told } = pause({ safeModeMs: 15_000 });
  t.equal(p.paused, true);
  t.equal(p.nextDeadline(), 16_000);
  t.same(p.state(6000), { safeMode: true, safeModeRemainingMs: 10_000, brakeEngaged: false });
  p.advance(15_999);
  t.equal(p.paused, true, 'not a moment early');
  p.advance(20_000);
  p.advance(30_000);
  t.equal(p.paused, false);
  t.equal(p.nextDeadline(), undefined);
  t.same(told, [{ type: 'safe_mode_exited', at: 16_000 }], 'at the moment it ended, not when it was noticed');
  t.same(p.state(30_000), { safeMode: false, safeModeRemainingMs: 0, brakeEngaged: false });
});

t.test('no safe mode at all when its time is 0', async (t) => {
  const { pause: p, told } = pause({ safeModeMs: 0 });
  t.equal(p.paused, false);
  t.equal(p.nextDeadline(), undefined);
  p.advance(1000);
  t.same(told, []);
});

t.test('the brake holds while more than max_dead_fraction of the counted servers are dead', async (t) => {
  const { pause: p, told } = pause({ safeModeMs: 0, maxDeadFraction: 0.5 });
  p.checkBrake(0, 0, 1);
  t.equal(p.paused, false, 'no servers, no brake');
  p.checkBrake(4, 2, 2);
  t.equal(p.paused, false, 'half dead is not more than half');
  p.checkBrake(4, 1, 3);
  p.checkBrake(4, 1, 4);
  t.equal(p.paused, true);
  t.equal(p.state(4).brakeEngaged, true);
  p.checkBrake(3, 2, 5);
  t.equal(p.paused, false);
  t.same(told, [
    { type: 'brake_engaged', at: 3, dead: 3, known: 4 },
    { type: 'brake_released', at: 5, dead: 1, known: 3 },
  ], 'each change told once');
});
