import t from 'tap';
import { type CoreConfig, type HeartbeatInput, type HeartbeatReply, type Leadership, Master } from '../../src/core/index.js';
import { runSimulateCommand } from '../../src/sim/command.js';
import { LEASE_MS } from '../../src/sim/election.js';
import type { MasterNode } from '../../src/sim/node.js';
import { type MasterFactory, Simulation, simulate } from '../../src/sim/simulate.js';
import { reproduction } from '../../src/sim/summary.js';

const MASTER_FAULTS = ['leader_crash', 'leader_pause', 'etcd_unreachable', 'master_partition'];
const SEEDS = 40;

t.test(`invariants hold across failovers over ${SEEDS} seeds of three masters`, async (t) => {
  const totals = { elections: 0, obeyed: 0, ignored: 0, late: 0, epochs: 0, copies: 0, deletes: 0, deaths: 0 };
  const faults = new Map<string, number>();
  for (let seed = 1; seed <= SEEDS; seed++) {
    const report = (['full', 'incremental', 'mixed'] as const)[seed % 3];
    const summary = simulate({ seed, servers: 5 + (seed % 6), chunks: 40 + ((seed * 37) % 81), minutes: 15, report, masters: 3 });
    if (summary.violations.length > 0) {
      t.fail(`${reproduction(summary)}: ${summary.violations.join(' | ')}`);
      continue;
    }
    for (const [kind, count] of summary.faults) faults.set(kind, (faults.get(kind) ?? 0) + count);
    const g = summary.group;
    totals.elections += g.elections;
    totals.obeyed += g.obeyed;
    totals.ignored += g.ignored;
    totals.late += g.late;
    totals.epochs += g.epochsObeyed;
    totals.copies += summary.copiesDone;
    totals.deletes += summary.deletes;
    totals.deaths += summary.deaths;
  }
  for (const kind of MASTER_FAULTS) t.ok((faults.get(kind) ?? 0) > 3, `${kind}: ${faults.get(kind) ?? 0}`);
  t.notOk(faults.has('master_restart'), 'no lone master restart: its crashes are the leader\'s');
  t.ok(totals.elections > SEEDS * 2, `elections: ${totals.elections}`);
  t.ok(totals.epochs > SEEDS * 1.5, `epochs whose instructions were obeyed: ${totals.epochs}`);
  t.ok(totals.obeyed > SEEDS * 10, `instructions obeyed: ${totals.obeyed}`);
  t.ok(totals.late > SEEDS, `heartbeats read late by a stopped leader: ${totals.late}`);
  t.ok(totals.copies > SEEDS * 10, `copies: ${totals.copies}`);
  t.ok(totals.deletes > SEEDS, `deletes: ${totals.deletes}`);
});

t.test('a run of three masters replays message for message, each line naming its master', async (t) => {
  const run = () => simulate({ seed: 11, servers: 6, chunks: 60, minutes: 12, masters: 3, keepTrace: true });
  const a = run();
  const b = run();
  t.equal(a.traceHash, b.traceHash);
  t.same(a.trace, b.trace);
  const trace = a.trace ?? [];
  for (const master of ['m1', 'm2', 'm3']) {
    t.ok(trace.some((line) => new RegExp(` cs\\d+ > ${master} \\{"type":"heartbeat"`).test(line)), `heartbeats to ${master}`);
    t.ok(trace.some((line) => new RegExp(` cs\\d+ < ${master} \\{"type":"heartbeat_ok","in_reply_to":\\d+,"status":"\\w+","role":"(leader|follower)","epoch":\\d+,"leader":`).test(line)), `${master}'s replies carry role, epoch and leader`);
  }
  t.ok(trace.some((line) => / etcd m\d elected for epoch \d+$/.test(line)), 'elections are traced');
  t.ok(trace.some((line) => / m\d event \{"type":"leader_elected"/.test(line)), 'and the cores\' events, by master');
  t.not(a.traceHash, simulate({ seed: 11, servers: 6, chunks: 60, minutes: 12 }).traceHash, 'one master: another run');
});

t.test('the reproduction line and the summary name the masters', async (t) => {
  let out = '';
  const code = runSimulateCommand(['--seed', '3', '--servers', '6', '--chunks', '40', '--minutes', '8', '--masters', '3'], { out: (text) => (out += text), err: () => {} });
  t.equal(code, 0, out);
  t.match(out, /\nmasters: 3, \d+ elections; instructions obeyed \d+ \(of \d+ epochs\), ignored for a stale epoch \d+; heartbeats read late by a stopped master \d+\n/);
  t.equal(reproduction({ seed: 3, servers: 6, chunks: 40, minutes: 8, masters: 3 }), 'chunkmaster simulate --seed 3 --servers 6 --chunks 40 --minutes 8 --masters 3');
  t.equal(reproduction({ seed: 3, servers: 6, chunks: 40, minutes: 8, masters: 1 }), 'chunkmaster simulate --seed 3 --servers 6 --chunks 40 --minutes 8');
});

/** A core that ignores its deadline: told it leads, it instructs until told otherwise, as a leader whose clock or lease check is broken would. */
function deafToDeadlines(): MasterFactory {
  class Deaf extends Master {
    override setLeadership(now: number, leadership: Leadership): void {
      super.setLeadership(now, leadership.role === 'leader' ? { ...leadership, until: Number.POSITIVE_INFINITY } : leadership);
    }
  }
  return (now: number, config: CoreConfig) => new Deaf(now, config);
}

/** A follower that instructs: it believes itself leader of whatever epoch it hears of. */
function usurper(): MasterFactory {
  class Usurper extends Master {
    override setLeadership(now: number, leadership: Leadership): void {
      super.setLeadership(now, { ...leadership, role: 'leader', until: Number.POSITIVE_INFINITY });
    }
  }
  return (now: number, config: CoreConfig) => new Usurper(now, config);
}

/** Runs seeds of three masters with a rogue core until one breaks an invariant. */
function firstBroken(master: MasterFactory, pattern: RegExp, seeds = 30) {
  for (let seed = 1; seed <= seeds; seed++) {
    const summary = new Simulation({ seed, servers: 6, chunks: 80, minutes: 15, masters: 3, master }).run();
    if (summary.violations.some((v) => pattern.test(v))) return summary;
  }
  return undefined;
}

t.test('the checker catches a leader that instructs past its deadline', async (t) => {
  const broken = firstBroken(deafToDeadlines(), /obeyed \d+ instructions of epoch \d+ from m\d(, which m\d led| at \d+, after its lease ended at \d+| after cs\d+ obeyed epoch \d+)/);
  t.ok(broken, 'a seed that shows it');
  t.match(reproduction(broken ?? { seed: 0, servers: 0, chunks: 0, minutes: 0 }), /^chunkmaster simulate --seed \d+ --servers 6 --chunks 80 --minutes 15 --masters 3$/);
  // The sweep prints the seed to replay.
  let out = '';
  const code = runSimulateCommand(['--seeds', `${broken?.seed}..${broken?.seed}`, '--servers', '6', '--chunks', '80', '--minutes', '15', '--masters', '3'], { out: (text) => (out += text), err: () => {} }, { master: deafToDeadlines() });
  t.equal(code, 1);
  t.match(out, new RegExp(`FAIL chunkmaster simulate --seed ${broken?.seed} --servers 6 --chunks 80 --minutes 15 --masters 3\\n  t=\\d+ms: cs\\d+ obeyed`));
});

/**
 * Six servers, no random faults (a run this short has no fault window), three
 * masters; at 60 s cs1's disk is wiped, and once the leader has copies to
 * hand out, `fault` strikes it.
 */
function staged(master: MasterFactory | undefined, fault: (sim: Simulation, leader: MasterNode) => void) {
  const sim = new Simulation({ seed: 9, servers: 6, chunks: 80, minutes: 4, masters: 3, keepTrace: true, ...(master ? { master } : {}) });
  sim.agenda.at(60_000, () => sim.servers.wipe(sim.servers.get('cs1')));
  const strike = (): void => {
    const leader = sim.masters.leader() as MasterNode;
    if (leader.replicationState().pendingCopies < 4) sim.agenda.after(100, strike);
    else fault(sim, leader);
  };
  sim.agenda.at(60_000, strike);
  return sim.run();
}

const PAUSE = (sim: Simulation, leader: MasterNode) => {
  leader.pause();
  sim.agenda.after(LEASE_MS + 600, () => leader.resume());
};
const ETCD_OUT = (sim: Simulation) => {
  sim.masters.setEtcdReachable(false);
  sim.agenda.after(LEASE_MS * 3, () => sim.masters.setEtcdReachable(true));
};

t.test('a leader stopped past its lease answers what waited as a follower: nothing it says is obeyed', async (t) => {
  const honest = staged(undefined, PAUSE);
  t.same(honest.violations, []);
  t.ok(honest.group.late > 3, `${honest.group.late} heartbeats read late`);
  t.equal(honest.group.elections, 2, 'another master took over while it was stopped');
  const trace = honest.trace ?? [];
  const resumed = trace.find((line) => / m\d resumed$/.test(line)) ?? '';
  const [at, stopped] = resumed.split(' ');
  const late = trace.filter((line) => line.startsWith(`${at} cs`) && line.includes(` < ${stopped} `));
  t.equal(late.length, honest.group.late, 'it answers each heartbeat that waited');
  t.same(late.filter((line) => line.includes('chunks_to_') || !line.includes('"role":"follower"')), [], 'as a follower, with no instruction');
  const deaf = staged(deafToDeadlines(), PAUSE);
  t.match(deaf.violations[0], new RegExp(`cs\\d+ obeyed \\d+ instructions of epoch \\d+ from ${stopped} at ${at}, after its lease ended at \\d+`), 'a core deaf to its deadline is caught');
});

t.test('a master stopped past the dead timeout credits its stop: no false death, or the checker says so', async (t) => {
  const LONG = (sim: Simulation, leader: MasterNode) => {
    leader.pause();
    sim.agenda.after(20_000, () => leader.resume());
  };
  t.same(staged(undefined, LONG).violations, [], 'the real driver\'s stall watch credits the stop');
  class Uncredited extends Master {
    override creditStall(): void {}
  }
  const broken = staged((now, config) => new Uncredited(now, config), LONG);
  t.match(broken.violations[0], /cs\d+ marked dead at \d+, heard from at \d+, \d+ ms of it stopped \(timeout 15000\)/);
});

t.test('etcd out of reach: the leader falls silent at its deadline, and no one leads until etcd is back', async (t) => {
  const honest = staged(undefined, ETCD_OUT);
  t.same(honest.violations, []);
  const trace = honest.trace ?? [];
  t.ok(trace.some((line) => / m\d event \{"type":"leadership_lost"/.test(line)), 'the leader gave up by itself');
  t.equal(honest.group.elections, 2, 'a new term once etcd was back');
  const deaf = staged(deafToDeadlines(), ETCD_OUT);
  t.match(deaf.violations[0], /cs\d+ obeyed \d+ instructions of epoch \d+ from m\d at \d+, after its lease ended at \d+/);
});

t.test('a delete one master ordered counts against every master until that master hears of it', async (t) => {
  const sim = new Simulation({ seed: 1, servers: 5, chunks: 0, minutes: 1, masters: 3 });
  const [m1, m2] = sim.masters.nodes as [MasterNode, MasterNode];
  const cs1 = sim.servers.get('cs1');
  sim.servers.store(cs1, 'x');
  sim.carryOut(m1, m1.servers.get('cs1'), { type: 'heartbeat_ok', in_reply_to: 0, status: 'alive', chunks_to_delete: ['x'] });
  t.notOk(cs1.disk.has('x'));
  t.same(sim.masters.nodes.map((node) => node.servers.get('cs1').deletedUnreported.has('x')), [true, true, true]);
  m2.reported(m2.servers.get('cs1'), new Set());
  t.same(sim.masters.nodes.map((node) => node.servers.get('cs1').deletedUnreported.has('x')), [true, false, true], 'a full report to one clears it for that one');
});

t.test('the checker catches a follower that instructs', async (t) => {
  const broken = firstBroken(usurper(), /obeyed \d+ instructions of epoch \d+ from (m\d), which (?!\1)m\d led/);
  t.ok(broken, 'a seed that shows it');
});

t.test('the checker catches replies without an epoch', async (t) => {
  class Silent extends Master {
    override heartbeat(now: number, input: HeartbeatInput): HeartbeatReply {
      const { leadership: _, ...reply } = super.heartbeat(now, input);
      return reply;
    }
  }
  const summary = new Simulation({ seed: 2, servers: 5, chunks: 30, minutes: 6, masters: 3, master: (now, config) => new Silent(now, config) }).run();
  t.match(summary.violations[0], /m\d's reply to cs\d+ carries no epoch/);
});

t.test('the end of the fault window brings every master back: stopped, crashed or cut off, and etcd', async (t) => {
  const sim = new Simulation({ seed: 4, servers: 5, chunks: 30, minutes: 3, masters: 3 });
  const [m1, m2, m3] = sim.masters.nodes as [MasterNode, MasterNode, MasterNode];
  sim.agenda.at(30_000, () => {
    m1.pause();
    m2.crash();
    m3.cut = true;
    sim.masters.setEtcdReachable(false);
  });
  sim.agenda.at(60_000, () => {
    t.same([m1.state, m2.state, m3.cut, sim.masters.etcdReachable, sim.masters.leader()], ['paused', 'crashed', true, false, undefined]);
    sim.masters.heal();
    t.same([m1.state, m2.state, m3.cut, sim.masters.etcdReachable], ['running', 'running', false, true]);
    t.ok(sim.masters.leader() !== undefined, 'and someone leads at once');
  });
  const summary = sim.run();
  t.same(summary.violations, []);
  t.equal(summary.masterRestarts, 1);
});
