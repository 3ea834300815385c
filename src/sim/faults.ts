import type { CoreConfig } from '../core/index.js';
import type { Agenda } from './agenda.js';
import { type GroupTarget, outage, scheduleMasterFaults } from './master-faults.js';
import type { Rng } from './prng.js';
import type { Link, Servers, SimServer } from './servers.js';

/** What a fault acts on: the simulated world and its processes. */
export interface FaultTarget {
  readonly now: number;
  readonly rng: Rng;
  readonly agenda: Agenda;
  readonly config: CoreConfig;
  readonly servers: Servers;
  /** Some servers report incrementally: their links suffer the report faults too. */
  readonly reportFaults: boolean;
  crash(server: SimServer): void;
  restart(server: SimServer): void;
  /** The master process restarts: all its state is lost; chunk servers carry on. */
  restartMaster(): void;
  countFault(kind: string): void;
  /** With several masters: their processes and the election, for the faults of CONTRACT 10. */
  readonly group?: GroupTarget | undefined;
}


/** Applies a fault; returns the name of another fault when it fell back to that one. */
type Fault = (sim: FaultTarget, server: SimServer, end: number) => string | undefined;

/** Runs `undo` after `ms`, but never past the end of the fault window. */
function until(sim: FaultTarget, server: SimServer, ms: number, end: number, undo: () => void): void {
  const at = Math.min(sim.now + ms, end);
  server.busyUntil = at;
  sim.agenda.at(at, undo);
}

const crash =
  (short: boolean, wipe: boolean): Fault =>
  (sim, server, end) => {
    sim.crash(server);
    until(sim, server, outage(sim, short), end, () => {
      if (wipe) sim.servers.wipe(server);
      sim.restart(server);
    });
    return undefined;
  };

const FAULTS: [string, number, Fault][] = [
  ['crash_short', 4, crash(true, false)],
  ['crash_long', 4, crash(false, false)],
  ['crash_disk_lost', 2, crash(false, true)],
  [
    'disk_lost',
    1,
    (sim, server) => {
      sim.servers.wipe(server);
      return undefined;
    },
  ],
  [
    'gone_for_good',
    1,
    (sim, server, end) => {
      // Keep permanent losses to a tenth of the fleet, below the brake's threshold.
      const gone = sim.servers.all.filter((s) => s.gone).length;
      if (gone + 1 > Math.floor(sim.servers.all.length / 10)) return crash(false, false)(sim, server, end) ?? 'crash_long';
      sim.crash(server);
      server.gone = true;
      server.disk.clear();
      server.busyUntil = Number.POSITIVE_INFINITY;
      return undefined;
    },
  ],
  [
    'partition',
    3,
    (sim, server, end) => {
      server.partitioned = true;
      until(sim, server, outage(sim, sim.rng.chance(0.5)), end, () => (server.partitioned = false));
      return undefined;
    },
  ],
  [
    'flap',
    2,
    (sim, server, end) => {
      const stop = Math.min(end, sim.now + sim.rng.int(60000, 180000));
      server.busyUntil = stop;
      const toggle = (): void => {
        if (sim.now >= stop) return sim.restart(server);
        if (server.up) sim.crash(server);
        else sim.restart(server);
        sim.agenda.after(server.up ? sim.rng.int(5000, 25000) : sim.rng.int(10000, 30000), toggle);
      };
      toggle();
      return undefined;
    },
  ],
  [
    'fill_up',
    2,
    (sim, server, end) => {
      server.full = true;
      until(sim, server, sim.rng.int(60000, 300000), end, () => (server.full = false));
      return undefined;
    },
  ],
  [
    'degraded',
    2,
    (sim, server, end) => {
      server.health = sim.rng.chance(0.5) ? 'degraded' : 'read_only';
      until(sim, server, sim.rng.int(60000, 300000), end, () => (server.health = 'healthy'));
      return undefined;
    },
  ],
];

/** For a while the server's link loses messages, delivers them twice, or its split reports go out of order. */
const link =
  (state: Link): Fault =>
  (sim, server, end) => {
    server.link = state;
    until(sim, server, sim.rng.int(60000, 300000), end, () => (server.link = 'ok'));
    return undefined;
  };

/** Faults of incremental and split reports (CONTRACT 9), where some servers send them. */
const REPORT_FAULTS: [string, number, Fault][] = [
  ['report_lost', 3, link('lossy')],
  ['report_duplicated', 2, link('duplicating')],
  ['parts_reordered', 4, link('reordering')],
];

const weightOf = (faults: [string, number, Fault][]) => faults.reduce((sum, [, weight]) => sum + weight, 0);
const SEED_FORM = { faults: FAULTS, weight: weightOf(FAULTS) };
const WITH_REPORTS = { faults: [...FAULTS, ...REPORT_FAULTS], weight: weightOf([...FAULTS, ...REPORT_FAULTS]) };

function pickFault(sim: FaultTarget): [string, Fault] {
  const { faults, weight } = sim.reportFaults ? WITH_REPORTS : SEED_FORM;
  let roll = sim.rng.next() * weight;
  for (const [name, share, fault] of faults) {
    roll -= share;
    if (roll < 0) return [name, fault];
  }
  const [name, , fault] = faults[0] as [string, number, Fault];
  return [name, fault];
}

/** Most of the fleet crashing at once, to engage the mass-failure brake; everyone returns with disks intact. */
function massFailure(sim: FaultTarget, end: number): void {
  const servers = sim.servers.all.filter((s) => s.up && !s.gone && s.busyUntil <= sim.now);
  const victims = sim.rng.sample(servers, Math.ceil(sim.servers.all.length * 0.7));
  const back = Math.min(end, sim.now + sim.rng.int(20000, 90000));
  for (const server of victims) {
    sim.crash(server);
    server.busyUntil = back;
  }
  sim.agenda.at(back, () => victims.forEach((server) => sim.restart(server)));
  sim.countFault('mass_failure');
}

/**
 * Schedules faults through the fault window: each server suffers one about
 * every 10 virtual minutes on average (never two at once), plus, in some
 * runs, one mass failure and one master restart.
 */
export function scheduleFaults(sim: FaultTarget, end: number): void {
  const meanGap = 600000 / sim.servers.all.length;
  const next = (): void => {
    if (sim.now >= end) return;
    const free = sim.servers.all.filter((s) => !s.gone && s.up && s.busyUntil <= sim.now);
    if (free.length > 0) {
      const [name, fault] = pickFault(sim);
      sim.countFault(fault(sim, sim.rng.pick(free), end) ?? name);
    }
    sim.agenda.after(sim.rng.int(1, Math.ceil(meanGap * 2)), next);
  };
  sim.agenda.after(sim.rng.int(1, Math.ceil(meanGap)), next);
  if (sim.rng.chance(0.3)) sim.agenda.at(sim.rng.int(0, Math.max(0, end - 120000)), () => massFailure(sim, end));
  if (sim.group !== undefined) return scheduleMasterFaults(sim, sim.group, end);
  // A master restart loses every pending instruction and the whole location map (HDFS-6772 territory);
  // with incremental reports, every server's list is to be sent again: a report storm the leases hold back.
  if (sim.rng.chance(sim.reportFaults ? 0.8 : 0.4)) {
    sim.agenda.at(sim.rng.int(0, end), () => {
      sim.restartMaster();
      sim.countFault('master_restart');
    });
  }
}
