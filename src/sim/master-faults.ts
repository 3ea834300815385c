import { type CoreConfig, deadTimeoutMs } from '../core/index.js';
import type { Agenda } from './agenda.js';
import type { Rng } from './prng.js';

/** What the faults of several masters act in: the virtual world's time and lot. */
export interface GroupWorld {
  readonly now: number;
  readonly rng: Rng;
  readonly agenda: Agenda;
  readonly config: CoreConfig;
  countFault(kind: string): void;
}

/** One master process of several, as faults act on it. */
export interface MasterTarget {
  readonly id: string;
  readonly state: 'running' | 'crashed' | 'paused';
  /** Cut off from every chunk server. */
  cut: boolean;
  busyUntil: number;
  crash(): void;
  /** Starts again afresh, a follower with an empty map. */
  restart(): void;
  pause(): void;
  resume(): void;
}

/** Several masters and the election they share. */
export interface GroupTarget {
  readonly masters: readonly MasterTarget[];
  readonly leaseMs: number;
  readonly etcdReachable: boolean;
  leader(): MasterTarget | undefined;
  setEtcdReachable(reachable: boolean): void;
}

/** Shorter than the dead timeout, or longer: both sides of the line get tested. */
export function outage(sim: GroupWorld, short: boolean): number {
  const timeout = deadTimeoutMs(sim.config);
  return short ? sim.rng.int(1000, timeout - 3000) : sim.rng.int(timeout + 5000, timeout * 12);
}

/** A fault of the masters or of etcd; false when it cannot happen now (no leader, or its target is busy). */
type MasterFault = (sim: GroupWorld, group: GroupTarget, end: number) => boolean;

/** The leader, if there is one, it runs and suffers no other fault. */
function freeLeader(sim: GroupWorld, group: GroupTarget): MasterTarget | undefined {
  const leader = group.leader();
  return leader !== undefined && leader.state === 'running' && leader.busyUntil <= sim.now ? leader : undefined;
}

const MASTER_FAULTS: [string, number, MasterFault][] = [
  [
    'leader_crash',
    3,
    (sim, group, end) => {
      const leader = freeLeader(sim, group);
      if (leader === undefined) return false;
      leader.crash();
      leader.busyUntil = Math.min(end, sim.now + sim.rng.int(1000, 60000));
      sim.agenda.at(leader.busyUntil, () => leader.state === 'crashed' && leader.restart());
      return true;
    },
  ],
  [
    // Longer than the lease, so another master leads by the time it runs again and reads what waited for it.
    'leader_pause',
    3,
    (sim, group, end) => {
      const leader = freeLeader(sim, group);
      const ms = sim.rng.int(group.leaseMs + 500, group.leaseMs * 5);
      if (leader === undefined || sim.now + ms > end) return false;
      leader.pause();
      leader.busyUntil = sim.now + ms;
      sim.agenda.at(leader.busyUntil, () => leader.state === 'paused' && leader.resume());
      return true;
    },
  ],
  [
    // Shorter than the lease (the leader falls silent, then renews the same term) or longer (a new term once it is back).
    'etcd_unreachable',
    2,
    (sim, group, end) => {
      if (!group.etcdReachable) return false;
      const ms = sim.rng.chance(0.5) ? sim.rng.int(500, group.leaseMs - 1) : sim.rng.int(group.leaseMs, group.leaseMs * 6);
      group.setEtcdReachable(false);
      sim.agenda.at(Math.min(end, sim.now + ms), () => group.setEtcdReachable(true));
      return true;
    },
  ],
  [
    // One master (leader or not) hears no server and no server hears it; it still reaches etcd.
    'master_partition',
    2,
    (sim, group, end) => {
      const free = group.masters.filter((m) => m.state === 'running' && !m.cut && m.busyUntil <= sim.now);
      if (free.length === 0) return false;
      const master = sim.rng.pick(free);
      master.cut = true;
      master.busyUntil = Math.min(end, sim.now + outage(sim, sim.rng.chance(0.5)));
      sim.agenda.at(master.busyUntil, () => (master.cut = false));
      return true;
    },
  ],
];

const MASTER_WEIGHT = MASTER_FAULTS.reduce((sum, [, weight]) => sum + weight, 0);

/**
 * With several masters, no lone master restart: instead, about once a
 * minute, a fault of the masters or of etcd; one that cannot happen now
 * (no leader yet, its target busy) is drawn again a few seconds later.
 */
export function scheduleMasterFaults(sim: GroupWorld, group: GroupTarget, end: number): void {
  const next = (): void => {
    if (sim.now >= end) return;
    let roll = sim.rng.next() * MASTER_WEIGHT;
    const [name, , fault] = MASTER_FAULTS.find(([, share]) => (roll -= share) < 0) ?? (MASTER_FAULTS[0] as [string, number, MasterFault]);
    const done = fault(sim, group, end);
    if (done) sim.countFault(name);
    sim.agenda.after(done ? sim.rng.int(20000, 100000) : sim.rng.int(1000, 5000), next);
  };
  sim.agenda.after(sim.rng.int(5000, 40000), next);
}
