import t from 'tap';
import type { CoreEvent } from '../../src/core/index.js';
import type { EventListener } from '../../src/runtime/driver.js';
import { DEATH_HOLD_MS, EventLog, type EventLogger, LOG_BURST, LOG_WINDOW_MS, logEvents } from '../../src/runtime/event-log.js';
import { FakeClock } from '../fixtures/clock.js';

interface Line {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps every line it is given. */
function recorder(): { lines: Line[]; log: EventLogger } {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (fields: Record<string, unknown>, msg: string) => void lines.push({ level, fields, msg });
  return { lines, log: { info: at('info'), warn: at('warn') } as unknown as EventLogger };
}

const dead = (server: string, at: number, lostReplicas = 3): CoreEvent => ({ type: 'server_dead', server, at, lostReplicas });
const reaped = (server: string, at: number, chunksMissing = 2): CoreEvent => ({
  type: 'server_reaped',
  server,
  at,
  replicas: 3,
  chunksMissing,
  examples: Array.from({ length: Math.min(chunksMissing, 10) }, (_, i) => `${server}_c${i}`),
});
const alive = (server: string, at: number, revived = false): CoreEvent => ({ type: 'server_alive', server, at, revived });

t.test('a death is one warn line with its losses, written when its reap is done', async (t) => {
  const clock = new FakeClock(0);
  const { lines, log } = recorder();
  const events = new EventLog(log);
  events.handle(dead('cs1', clock.now(), 300_000), clock.now());
  t.same(lines, [], 'held until the reap says what was lost');
  t.equal(events.nextDeadline(), DEATH_HOLD_MS);
  events.handle(reaped('cs1', clock.advance(800), 300_000), clock.now());
  t.equal(lines.length, 1);
  const [line] = lines;
  t.equal(line?.level, 'warn');
  t.equal(line?.msg, 'server dead');
  t.match(line?.fields, { type: 'server_dead', server: 'cs1', lostReplicas: 300_000, replicasDropped: 3, chunksMissing: 300_000 });
  t.equal((line?.fields['examples'] as string[]).length, 10, 'at most 10 example handles');
  t.equal(events.nextDeadline(), 800 + LOG_WINDOW_MS, 'only the throttle window, opened by the line, is left');
});

t.test('a death whose reap takes longer than the hold is written without it; the reap follows', async (t) => {
  const clock = new FakeClock(0);
  const { lines, log } = recorder();
  const events = new EventLog(log);
  events.handle(dead('cs1', 0), 0);
  events.tick(clock.advance(DEATH_HOLD_MS - 1));
  t.same(lines, []);
  events.tick(clock.advance(1));
  t.match(lines, [{ level: 'warn', msg: 'server dead', fields: { server: 'cs1', reaping: true } }]);
  events.handle(reaped('cs1', clock.advance(10)), clock.now());
  t.match(lines[1], { level: 'info', msg: 'server reaped', fields: { server: 'cs1', chunksMissing: 2 } });
  events.handle(reaped('cs9', clock.now(), 0), clock.now());
  t.match(lines[2], { msg: 'server reaped', fields: { server: 'cs9' } }, 'a reap with no death seen is still told');
});

t.test('a server back before its reap ends the hold: the death line, then the revival', async (t) => {
  const { lines, log } = recorder();
  const events = new EventLog(log);
  events.handle(dead('cs1', 0), 0);
  events.handle(alive('cs1', 400, true), 400);
  t.match(lines, [
    { level: 'warn', msg: 'server dead', fields: { server: 'cs1', revived: true } },
    { level: 'info', msg: 'server revived', fields: { server: 'cs1' } },
  ]);
  t.equal(events.nextDeadline(), 400 + LOG_WINDOW_MS);
});

t.test('thousands of registrations: the first few lines, then one summary per window', async (t) => {
  const clock = new FakeClock(0);
  const { lines, log } = recorder();
  const events = new EventLog(log);
  for (let i = 0; i < 5000; i++) events.handle(alive(`cs${i}`, clock.now()), clock.advance(1));
  t.equal(lines.length, LOG_BURST, 'one line each for the first few');
  t.same(lines.map((line) => line.fields['server']), ['cs0', 'cs1', 'cs2', 'cs3', 'cs4']);
  t.equal(lines[0]?.msg, 'server registered');
  events.tick(clock.advance(LOG_WINDOW_MS));
  t.equal(lines.length, LOG_BURST + 1);
  const summary = lines.at(-1);
  t.equal(summary?.msg, `server registered: ${5000 - LOG_BURST} more in the last 10 s`);
  t.match(summary?.fields, { type: 'server_registered', count: 5000 - LOG_BURST });
  t.equal((summary?.fields['servers'] as string[]).length, 10, 'a few examples, not every id');
  t.equal((summary?.fields['servers'] as string[])[0], `cs${LOG_BURST}`);

  // Still repeating: the next window folds from its first occurrence.
  for (let i = 0; i < 3; i++) events.handle(alive(`late${i}`, clock.now()), clock.advance(1));
  t.equal(lines.length, LOG_BURST + 1);
  events.tick(clock.advance(LOG_WINDOW_MS));
  t.match(lines.at(-1), { msg: 'server registered: 3 more in the last 10 s', fields: { count: 3, servers: ['late0', 'late1', 'late2'] } });
  // A quiet window ends the throttling: the next one is written at once.
  events.tick(clock.advance(LOG_WINDOW_MS));
  t.equal(events.nextDeadline(), undefined, 'nothing left to time');
  events.handle(alive('again', clock.now()), clock.now());
  t.match(lines.at(-1), { msg: 'server registered', fields: { server: 'again' } });
});

t.test('repeated chunks_missing events are summed: chunks, events and examples', async (t) => {
  const clock = new FakeClock(0);
  const { lines, log } = recorder();
  const events = new EventLog(log);
  for (let i = 0; i < 100; i++) {
    events.handle({ type: 'chunks_missing', at: clock.now(), count: 2500, examples: [`c${i}a`, `c${i}b`] }, clock.advance(10));
  }
  t.equal(lines.length, LOG_BURST);
  t.match(lines[0], { level: 'warn', msg: 'chunks missing', fields: { count: 2500, examples: ['c0a', 'c0b'] } });
  events.tick(clock.advance(LOG_WINDOW_MS));
  t.match(lines.at(-1), {
    level: 'warn',
    msg: `chunks missing: ${100 - LOG_BURST} more in the last 10 s`,
    fields: { type: 'chunks_missing', count: 100 - LOG_BURST, chunks: (100 - LOG_BURST) * 2500 },
  });
  t.equal((lines.at(-1)?.fields['examples'] as string[]).length, 10);
});

t.test('a mass death: a few death lines, then one summary with the total losses', async (t) => {
  const clock = new FakeClock(0);
  const { lines, log } = recorder();
  const events = new EventLog(log);
  for (let i = 0; i < 1000; i++) events.handle(dead(`cs${i}`, 0, 10), 0);
  events.handle({ type: 'brake_engaged', at: 0, dead: 1000, known: 1001 }, 0);
  t.match(lines, [{ level: 'warn', msg: 'mass-failure brake engaged: no copy or delete is sent', fields: { dead: 1000, known: 1001 } }]);
  for (let i = 0; i < 1000; i++) events.handle(reaped(`cs${i}`, clock.advance(1), 4), clock.now());
  t.equal(lines.filter((line) => line.msg === 'server dead').length, LOG_BURST);
  events.tick(clock.advance(LOG_WINDOW_MS));
  t.match(lines.at(-1), {
    level: 'warn',
    msg: `server dead: ${1000 - LOG_BURST} more in the last 10 s`,
    fields: { type: 'server_dead', count: 1000 - LOG_BURST, lostReplicas: (1000 - LOG_BURST) * 10, chunksMissing: (1000 - LOG_BURST) * 4 },
  });
  t.equal(lines.length, LOG_BURST + 2, 'brake, a few deaths, one summary: never a line per server past the burst');
});

t.test('brake, safe mode, out and forgotten: one line each, warn where an operator acts', async (t) => {
  const { lines, log } = recorder();
  const events = new EventLog(log);
  events.handle({ type: 'safe_mode_exited', at: 1 }, 1);
  events.handle({ type: 'brake_released', at: 2, dead: 0, known: 3 }, 2);
  events.handle({ type: 'server_out', server: 'cs1', at: 3 }, 3);
  events.handle({ type: 'server_forgotten', server: 'cs1', at: 4, chunksFreed: 7 }, 4);
  t.same(
    lines.map((line) => [line.level, line.msg]),
    [
      ['info', 'safe mode exited'],
      ['info', 'mass-failure brake released'],
      ['warn', 'server out: dead past --dead-out-ms, no longer counted by the brake'],
      ['info', 'server forgotten'],
    ],
  );
  t.match(lines[3]?.fields, { server: 'cs1', chunksFreed: 7 });
});

t.test('flush writes held deaths and pending summaries at once (shutdown)', async (t) => {
  const { lines, log } = recorder();
  const events = new EventLog(log, { burst: 1 });
  events.handle({ type: 'server_out', server: 'a', at: 0 }, 0);
  events.handle({ type: 'server_out', server: 'b', at: 0 }, 0);
  events.handle(dead('cs1', 0), 0);
  t.equal(lines.length, 1);
  events.flush(1);
  t.match(lines.slice(1), [
    { msg: 'server dead', fields: { server: 'cs1', reaping: true } },
    { msg: 'server out: dead past --dead-out-ms, no longer counted by the brake: 1 more in the last 10 s', fields: { servers: ['b'] } },
  ]);
  t.equal(events.nextDeadline(), 1 + LOG_WINDOW_MS);
});

t.test('a server dying again while its first death is held keeps one hold, timed from the last', async (t) => {
  const { lines, log } = recorder();
  const events = new EventLog(log, { holdMs: 100 });
  events.handle(dead('cs1', 0), 0);
  events.handle(dead('cs2', 50), 50);
  events.handle(dead('cs1', 60), 60);
  t.equal(events.nextDeadline(), 150, 'cs2 is now the first to come due');
  events.tick(150);
  t.match(lines, [{ fields: { server: 'cs2', reaping: true } }]);
  events.tick(160);
  t.match(lines[1], { fields: { server: 'cs1', at: 60 } });
});

t.test('logEvents: real timers write held and summary lines on time, and stop() writes the rest', async (t) => {
  const clock = new FakeClock(0);
  const listeners = new Set<EventListener>();
  const driver = {
    now: () => clock.now(),
    onEvent: (listener: EventListener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const emit = (event: CoreEvent) => {
    for (const listener of listeners) listener(event);
  };
  const { lines, log } = recorder();
  const stop = logEvents(driver, log, { holdMs: 20, windowMs: 40, burst: 1 });
  const until = async (test: () => boolean) => {
    for (let waited = 0; !test(); waited += 10) {
      if (waited > 5000) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  emit(dead('cs1', 0));
  clock.advance(20);
  await until(() => lines.length === 1);
  t.match(lines[0], { msg: 'server dead', fields: { reaping: true } });
  emit(alive('a', clock.now()));
  emit(alive('b', clock.now()));
  emit(alive('c', clock.now()));
  t.equal(lines.length, 2);
  clock.advance(40);
  await until(() => lines.length === 3);
  t.match(lines[2], { msg: 'server registered: 2 more in the last 0.04 s' });
  emit(dead('cs2', clock.now()));
  stop();
  t.match(lines[3], { msg: 'server dead', fields: { server: 'cs2' } });
  emit(dead('cs3', clock.now()));
  t.equal(lines.length, 4, 'nothing is logged after stop()');
  t.equal(listeners.size, 0);
});

t.test('leadership changes are one line each: elected as info, lost as a warning', async (t) => {
  const { lines, log } = recorder();
  const events = new EventLog(log);
  events.handle({ type: 'leader_elected', at: 1, epoch: 7, leader: 'http://m2:7070', self: false }, 1);
  events.handle({ type: 'leader_elected', at: 2, epoch: 8, leader: 'http://m1:7070', self: true }, 2);
  events.handle({ type: 'leadership_lost', at: 3, epoch: 8 }, 3);
  t.same(lines.map((line) => [line.level, line.msg, line.fields['epoch']]), [
    ['info', 'leader elected', 7],
    ['info', 'elected leader: instructions go out from this master', 8],
    ['warn', 'leadership lost: this master gives no instructions', 8],
  ]);
});
