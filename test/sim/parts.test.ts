import t from 'tap';
import { Agenda } from '../../src/sim/agenda.js';
import { Fleet } from '../../src/sim/fleet.js';
import { Rng } from '../../src/sim/prng.js';

t.test('the PRNG is seeded, in range and covers its range', async (t) => {
  const a = new Rng(42);
  const b = new Rng(42);
  const draws = Array.from({ length: 1000 }, () => a.int(1, 6));
  t.same(draws, Array.from({ length: 1000 }, () => b.int(1, 6)));
  t.same([...new Set(draws)].sort(), [1, 2, 3, 4, 5, 6]);
  const c = new Rng(43);
  t.not(c.next(), new Rng(42).next());
  const picked = c.sample(['a', 'b', 'c', 'd'], 3);
  t.equal(new Set(picked).size, 3);
  t.ok(['x', 'y'].includes(c.pick(['x', 'y'])));
  const hits = Array.from({ length: 1000 }, () => c.chance(0.25)).filter(Boolean).length;
  t.ok(hits > 150 && hits < 350, `chance(0.25) hit ${hits} of 1000`);
});

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

t.test('fleet disks', async (t) => {
  const fleet = new Fleet(3, (i) => i * 10, 2);
  const [a, b] = fleet.servers;
  a?.disk.add('x');
  b?.disk.add('x');
  t.same(fleet.copiesOf('x').map((s) => s.id), ['cs1', 'cs2']);
  t.equal(fleet.diskPct(fleet.get('cs2')), 12);
  if (b) b.full = true;
  t.equal(fleet.diskPct(fleet.get('cs2')), 95);
  if (a) fleet.wipe(a);
  t.same(fleet.copiesOf('x').map((s) => s.id), ['cs2']);
  t.equal(a?.lostSinceReport, true);
  t.throws(() => fleet.get('nope'));
});
