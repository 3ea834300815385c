import { createHash } from 'node:crypto';
import t from 'tap';
import { Agenda } from '../../src/sim/agenda.js';
import { Rng } from '../../src/sim/prng.js';
import { Servers, newServer } from '../../src/sim/servers.js';
import { Trace } from '../../src/sim/trace.js';
import { heartbeatBody, overTheWire } from '../../src/sim/wire.js';

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

t.test('simulated server disks', async (t) => {
  const fleet = new Servers(3, (i) => i * 10, 2);
  const [a, b] = fleet.all;
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

t.test('heartbeats go on the wire in contract order; replies are read back from it', async (t) => {
  const server = newServer('cs7', 10);
  server.health = 'degraded';
  t.equal(JSON.stringify(heartbeatBody(server, 12.5, ['a'])), '{"type":"heartbeat","msg_id":0,"server":"cs7","chunks":["a"],"disk_usage_pct":12.5,"health":"degraded"}');
  t.equal(JSON.stringify(heartbeatBody(server, 1, undefined)), '{"type":"heartbeat","msg_id":1,"server":"cs7","disk_usage_pct":1,"health":"degraded"}');
  const ok = overTheWire({ type: 'heartbeat_ok', in_reply_to: 1, status: 'alive', chunks_to_delete: undefined }, 1);
  t.same(ok, { text: '{"type":"heartbeat_ok","in_reply_to":1,"status":"alive"}', reply: { type: 'heartbeat_ok', in_reply_to: 1, status: 'alive' } });
  t.equal(overTheWire({ type: 'heartbeat_ok', in_reply_to: 1, status: 'alive' }, 2).reply, undefined, 'a reply to another message');
  t.equal(overTheWire({ type: 'error', in_reply_to: 1, code: 12, text: 'no' }, 1).reply, undefined, 'an error');
  t.same(overTheWire(undefined, 1), { text: 'null', reply: undefined }, 'no reply at all');
});

t.test('a trace hashes its lines in order, and keeps them only when asked', async (t) => {
  const hashOf = (lines: string[], keep = false) => {
    const trace = new Trace(keep);
    for (const line of lines) trace.add(line);
    return trace;
  };
  const a = hashOf(['x', 'y'], true);
  t.same(a.lines, ['x', 'y']);
  t.equal(a.entries, 2);
  t.equal(a.finish(), hashOf(['x', 'y']).finish());
  t.equal(a.finish(), a.finish(), 'finishing twice gives the same hash');
  t.not(a.finish(), hashOf(['y', 'x']).finish(), 'order counts');
  t.not(hashOf(['xy']).finish(), hashOf(['x', 'y']).finish(), 'so do line breaks');
  t.equal(hashOf(['x']).lines, undefined);
  const long = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'.'.repeat(40)}`);
  const whole = createHash('sha256').update(`${long.join('\n')}\n`).digest('hex');
  t.equal(hashOf(long).finish(), whole.slice(0, 16), 'the SHA-256 of the lines, however they were batched');
});
