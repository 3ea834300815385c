import t from 'tap';
import { reproduction } from '../../src/sim/summary.js';
import { type CoreConfig, type CoreEvent, type HeartbeatInput, type HeartbeatReply, Master } from '../../src/core/index.js';
import { type MasterFactory, Simulation, type SimOptions, simulate } from '../../src/sim/simulate.js';
import { deletesBelowRf, rogueMaster } from '../fixtures/rogue-masters.js';

const SEEDS = 300;

t.test(`invariants hold over ${SEEDS} seeds of small fleets`, async (t) => {
  let faults = 0;
  let copies = 0;
  let deletes = 0;
  let brakes = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    // Vary the fleet with the seed: 5 to 12 servers, 40 to 150 chunks.
    const options = { seed, servers: 5 + (seed % 8), chunks: 40 + ((seed * 37) % 111), minutes: 15 };
    const summary = simulate(options);
    if (summary.violations.length > 0) {
      t.fail(`${reproduction(summary)}: ${summary.violations.join(' | ')}`);
      continue;
    }
    faults += [...summary.faults.values()].reduce((a, b) => a + b, 0);
    copies += summary.copiesDone;
    deletes += summary.deletes;
    brakes += summary.brakeEngaged;
  }
  // The runs must actually have exercised the planner, or passing means nothing.
  t.ok(faults > SEEDS, `faults injected: ${faults}`);
  t.ok(copies > SEEDS * 10, `copies done: ${copies}`);
  t.ok(deletes > SEEDS, `deletes done: ${deletes}`);
  t.ok(brakes > 10, `brake engagements: ${brakes}`);
});

t.test('other replication factors and stream caps', async (t) => {
  for (let seed = 1; seed <= 40; seed++) {
    const core = { replicationFactor: 1 + (seed % 5), maxReplicationStreams: 1 + (seed % 3) };
    const summary = simulate({ seed, servers: 10, chunks: 80, minutes: 15, core });
    t.same(summary.violations, [], reproduction(summary, core));
  }
});

const SHAPE = { servers: 8, chunks: 100, minutes: 20 };
const traced = (seed: number, extra: Partial<SimOptions> = {}) => simulate({ seed, ...SHAPE, keepTrace: true, ...extra });
/** What the determinism test looked at before traces: the summary's counters. */
const counters = (s: ReturnType<typeof simulate>) => ({ ...s, faults: [...s.faults], traceHash: undefined, trace: undefined });

t.test('one seed replays the same run, message for message; another seed makes another', async (t) => {
  const a = traced(7);
  const b = traced(7);
  t.same(counters(a), counters(b));
  t.same(a.trace, b.trace, 'the same messages and events in the same order');
  t.equal(a.traceHash, b.traceHash);
  t.match(a.traceHash, /^[0-9a-f]{16}$/);
  t.equal(a.traceEntries, a.trace?.length);
  const c = traced(8);
  t.not(`${a.copiesOrdered}/${a.deaths}/${a.deletes}`, `${c.copiesOrdered}/${c.deaths}/${c.deletes}`);
  t.not(a.traceHash, c.traceHash);
  const hashes = new Set(Array.from({ length: 20 }, (_, i) => simulate({ seed: 100 + i, servers: 5, chunks: 30, minutes: 6 }).traceHash));
  t.equal(hashes.size, 20, '20 seeds, 20 different traces');
});

t.test('the trace holds every message each way and every core event', async (t) => {
  const { trace = [], deaths } = traced(7);
  const sent = trace.filter((line) => / cs\d+ > \{"type":"heartbeat","msg_id":\d+,"server":"cs\d+"/.test(line));
  const answered = trace.filter((line) => / cs\d+ < \{"type":"heartbeat_ok","in_reply_to":\d+,"status":"/.test(line));
  const events = trace.filter((line) => / event \{"type":"/.test(line));
  t.ok(sent.length > 100, `${sent.length} heartbeats`);
  t.equal(answered.length, sent.length, 'each answered, as the wire carries it');
  t.equal(sent.length + answered.length + events.length, trace.length, 'and nothing else');
  t.equal(events.filter((line) => line.includes('"type":"server_dead"')).length, deaths);
  t.ok(answered.some((line) => line.includes('"chunks_to_replicate":[')), 'instructions ride in the replies');
  t.notOk(answered.some((line) => line.includes('"chunks_to_delete":[]')), 'empty lists are left out on the wire');
});

t.test('a nondeterministic change is caught by the trace, though the counters miss it', async (t) => {
  // State that outlives a run is the classic way to break replay: here the
  // second run of the same seed lists each reply's deletes in reverse, which
  // changes no count, no disk and no later message.
  let runs = 0;
  let reordered = 0;
  const leaky: MasterFactory = (now, config: CoreConfig) => {
    if (now === 0) runs++;
    const reverse = runs > 1;
    return rogueMaster((_now, _input, reply) => {
      if (reverse && reply.chunksToDelete.length > 1) {
        reordered++;
        reply.chunksToDelete.reverse();
      }
      return reply;
    })(now, config);
  };
  const first = traced(7, { master: leaky });
  const second = traced(7, { master: leaky });
  t.ok(reordered > 0, `${reordered} replies reordered`);
  t.same(counters(first), counters(second), 'the summary counters cannot tell the runs apart');
  t.not(first.traceHash, second.traceHash, 'the trace hash can');
  t.equal(first.traceHash, traced(7).traceHash, 'the first run was the honest one');
  const parted = (first.trace ?? []).findIndex((line, i) => line !== second.trace?.[i]);
  t.match(first.trace?.[parted], / cs\d+ < \{"type":"heartbeat_ok".*"chunks_to_delete"/, 'and shows where: a reply');
});

t.test('the checker catches a master that deletes below target RF', async (t) => {
  // A rogue master: once out of safe mode, it tells every server to drop its first chunk.
  const summary = new Simulation({ seed: 3, servers: 6, chunks: 30, minutes: 6, master: deletesBelowRf }).run();
  t.match(summary.violations[0], /below target RF/);
});

t.test('the checker catches a chunk destroyed by the master', async (t) => {
  const master = rogueMaster((now, input, reply) => {
    if (now > 20000) reply.chunksToDelete.push(...(input.chunks ?? []));
    return reply;
  });
  const summary = new Simulation({ seed: 4, servers: 5, chunks: 20, minutes: 6, core: { replicationFactor: 1 }, master }).run();
  t.ok(summary.violations.some((v) => /destroyed its last copy/.test(v)), summary.violations.join('\n'));
});

t.test('the checker catches a server marked dead while it heartbeats', async (t) => {
  /** Reports cs1 dead once, 30 s in, while cs1 keeps heartbeating. */
  class FalseDeath extends Master {
    private lie: CoreEvent | undefined;
    private lied = false;

    override heartbeat(now: number, input: HeartbeatInput): HeartbeatReply {
      if (!this.lied && now > 30000) {
        this.lied = true;
        this.lie = { type: 'server_dead', server: 'cs1', at: now, lostReplicas: 0 };
      }
      return super.heartbeat(now, input);
    }

    override takeEvents(): CoreEvent[] {
      const events = super.takeEvents();
      if (this.lie !== undefined) events.push(this.lie);
      this.lie = undefined;
      return events;
    }
  }
  const summary = new Simulation({ seed: 5, servers: 5, chunks: 20, minutes: 6, master: (now, config) => new FalseDeath(now, config) }).run();
  t.match(summary.violations[0], /cs1 marked dead/);
});

t.test('the checker catches a master that never re-replicates', async (t) => {
  const master = rogueMaster((_now, _input, reply) => ({ ...reply, chunksToReplicate: [] }));
  const sim = new Simulation({ seed: 11, servers: 8, chunks: 60, minutes: 20, master });
  const [first] = sim.servers.all;
  sim.agenda.at(60000, () => first && sim.servers.wipe(first));
  const summary = sim.run();
  t.equal(summary.fullReplicationAfterMs, undefined);
  t.match(summary.violations.at(-1), /not back to full replication/);
});

t.test('a reply the wire does not allow is a violation', async (t) => {
  const master = rogueMaster((now, _input, reply) => (now > 20000 ? { ...reply, status: 'zombie' as HeartbeatReply['status'] } : reply));
  const summary = new Simulation({ seed: 6, servers: 5, chunks: 20, minutes: 6, master }).run();
  t.match(summary.violations[0], /cs\d+'s heartbeat \d+ was answered \{"type":"heartbeat_ok"/);
});

t.test('the checker catches a copy ordered to a server that holds the chunk', async (t) => {
  const master = rogueMaster((now, input, reply) => {
    const first = input.chunks?.[0];
    if (now > 20000 && first !== undefined) reply.chunksToReplicate.push({ chunk: first, target: input.server });
    return reply;
  });
  const summary = new Simulation({ seed: 3, servers: 6, chunks: 30, minutes: 6, master }).run();
  t.match(summary.violations[0], /(cs\d+) told to copy ch_\d+ to itself/);
  t.match(summary.violations[1], /(cs\d+) told to copy ch_\d+ to \1, which already holds it/);
});
