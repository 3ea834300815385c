import t from 'tap';
import { Agenda } from '../../src/sim/agenda.js';

t.test('the agenda runs events in time order, ties in scheduling order', async (t) => {
  const agenda = new Agenda();
  const seen: string[] = [];
  agenda.at(30, () => seen.push('c'));
  agenda.at(10, () => seen.push('a1'));
  agenda.at(10, () => seen.push('a2'));
  agenda.at(20, () => {
    seen.push('b');
    agenda.after(5, () => seen.push('b+5'));
  });
  while (agenda.step(25));
  t.same(seen, ['a1', 'a2', 'b', 'b+5']);
  t.equal(agenda.now, 25);
  t.equal(agenda.size, 1, 'the event past the horizon waits');
  agenda.at(0, () => seen.push('late'));
  agenda.step(100);
  t.same(seen.at(-1), 'late', 'an event scheduled in the past runs now');
});

t.test('the agenda cancels entries, reuses its slots and serves as timers', async (t) => {
  const agenda = new Agenda();
  const seen: string[] = [];
  const dropped = agenda.at(10, () => seen.push('dropped'));
  agenda.at(10, () => seen.push('kept'));
  const alone = agenda.at(15, () => seen.push('alone'));
  const timer = agenda.setTimeout(() => seen.push(`timer at ${agenda.clock.now()}`), 20);
  agenda.cancel(dropped);
  agenda.cancel(alone);
  agenda.cancel(alone);
  t.equal(agenda.size, 2, 'cancelled entries no longer count');
  agenda.at(10, () => {
    seen.push('tie');
    agenda.clearTimeout(timer);
    agenda.after(0, () => seen.push('now, after the tie'));
    agenda.after(5, () => seen.push('at 15'));
  });
  while (agenda.step(100));
  t.same(seen, ['kept', 'tie', 'now, after the tie', 'at 15']);
  t.equal(agenda.now, 15, 'a moment whose entries were all cancelled is skipped');
  const fired = agenda.setTimeout(() => seen.push('fired'), 1);
  agenda.step(100);
  agenda.clearTimeout(fired);
  t.equal(seen.at(-1), 'fired', 'clearing a timer that fired is harmless');
  t.equal(agenda.size, 0);
});

t.test('the agenda stops at the horizon, also within one moment', async (t) => {
  const agenda = new Agenda();
  const seen: number[] = [];
  agenda.at(10, () => {
    seen.push(1);
    agenda.after(0, () => seen.push(2));
  });
  t.ok(agenda.step(10));
  t.notOk(agenda.step(9), 'the rest of moment 10 waits for a horizon that reaches it');
  t.ok(agenda.step(10));
  t.same(seen, [1, 2]);
  t.notOk(agenda.step(10));
});
