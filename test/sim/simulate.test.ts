import t from 'tap';
import { reproduction } from '../../src/sim/command.js';
import type { HeartbeatInput, HeartbeatReply } from '../../src/core/index.js';
import { Simulation, simulate } from '../../src/sim/simulate.js';

type Rogue = (now: number, input: HeartbeatInput, honest: HeartbeatReply) => HeartbeatReply;

/** Makes the simulation's master (and any master it restarts) rewrite its heartbeat replies. */
function corrupt(sim: Simulation, rogue: Rogue): void {
  const wrap = () => {
    const honest = sim.master.heartbeat.bind(sim.master);
    sim.master.heartbeat = (now, input) => rogue(now, input, honest(now, input));
  };
  const restart = sim.restartMaster.bind(sim);
  sim.restartMaster = () => {
    restart();
    wrap();
  };
  wrap();
}

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

t.test('one seed replays the same run; another seed makes another', async (t) => {
  const run = (seed: number) => simulate({ seed, servers: 8, chunks: 100, minutes: 20 });
  const a = run(7);
  const b = run(7);
  t.same({ ...a, faults: [...a.faults] }, { ...b, faults: [...b.faults] });
  const c = run(8);
  t.not(`${a.copiesOrdered}/${a.deaths}/${a.deletes}`, `${c.copiesOrdered}/${c.deaths}/${c.deletes}`);
});

t.test('the checker catches a master that deletes below target RF', async (t) => {
  const sim = new Simulation({ seed: 3, servers: 6, chunks: 30, minutes: 6 });
  corrupt(sim, (now, input, reply) => {
    // A rogue master: once out of safe mode, tell every server to drop its first chunk.
    const first = input.chunks?.[0];
    if (now > 20000 && first !== undefined) reply.chunksToDelete.push(first);
    return reply;
  });
  const summary = sim.run();
  t.match(summary.violations[0], /below target RF/);
});

t.test('the checker catches a chunk destroyed by the master', async (t) => {
  const sim = new Simulation({ seed: 4, servers: 5, chunks: 20, minutes: 6, core: { replicationFactor: 1 } });
  corrupt(sim, (now, input, reply) => {
    if (now > 20000) reply.chunksToDelete.push(...(input.chunks ?? []));
    return reply;
  });
  const summary = sim.run();
  t.ok(summary.violations.some((v) => /destroyed its last copy/.test(v)), summary.violations.join('\n'));
});

t.test('the checker catches a server marked dead while it heartbeats', async (t) => {
  const sim = new Simulation({ seed: 5, servers: 5, chunks: 20, minutes: 6 });
  const honest = sim.master.takeEvents.bind(sim.master);
  let injected = false;
  sim.master.takeEvents = () => {
    const events = honest();
    if (!injected && sim.now > 30000) {
      injected = true;
      events.push({ type: 'server_dead', server: 'cs1', at: sim.now, lostReplicas: 0 });
    }
    return events;
  };
  const summary = sim.run();
  t.match(summary.violations[0], /cs1 marked dead/);
});

t.test('the checker catches a master that never re-replicates', async (t) => {
  const sim = new Simulation({ seed: 11, servers: 8, chunks: 60, minutes: 20 });
  corrupt(sim, (_now, _input, reply) => ({ ...reply, chunksToReplicate: [] }));
  const [first] = sim.fleet.servers;
  sim.agenda.at(60000, () => first && sim.fleet.wipe(first));
  const summary = sim.run();
  t.equal(summary.fullReplicationAfterMs, undefined);
  t.match(summary.violations.at(-1), /not back to full replication/);
});
