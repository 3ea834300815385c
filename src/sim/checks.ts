import type { SimServer } from './fleet.js';
import type { Simulation } from './simulate.js';

/** How often, in virtual ms, the quiet stretch is checked for full replication. */
const CONVERGENCE_CHECK_MS = 5000;

/**
 * The simulator's invariants, checked as the run goes:
 * 1. no instruction of the master destroys a chunk's last copy on any disk
 *    (unless a fault the master had no report of took the other copies);
 * 2. no delete is asked for that leaves fewer than target RF live replicas
 *    by the master's own knowledge;
 * 3. a server heard from within the dead timeout is never marked dead;
 * 4. after the faults stop, every chunk with a surviving copy gets back to
 *    target RF (or to the number of eligible servers) with nothing pending.
 */
export class Checker {
  private believedOthers: string[] = [];

  constructor(private readonly sim: Simulation) {}

  fail(what: string): void {
    this.sim.summary.violations.push(`t=${this.sim.now}ms: ${what}`);
  }

  beforeDelete(server: SimServer, chunk: string): void {
    const { master, fleet, config } = this.sim;
    this.believedOthers = master.chunkLocations(this.sim.now, chunk).filter((id) => id !== server.id);
    const remaining = this.believedOthers.filter((id) => !fleet.get(id).deletedUnreported.has(chunk));
    if (remaining.length < config.replicationFactor) {
      this.fail(`delete of ${chunk} on ${server.id} leaves ${remaining.length} live replicas (${remaining.join(', ')}), below target RF ${config.replicationFactor}`);
    }
  }

  afterDelete(server: SimServer, chunk: string): void {
    const { fleet } = this.sim;
    if (fleet.copiesOf(chunk).length > 0) return;
    const excused = this.believedOthers.some((id) => fleet.get(id).lostSinceReport || fleet.get(id).gone);
    if (!excused) this.fail(`delete of ${chunk} on ${server.id} destroyed its last copy`);
  }

  onCopyOrder(source: SimServer, target: SimServer, chunk: string): void {
    if (source === target) this.fail(`${source.id} told to copy ${chunk} to itself`);
    if (this.sim.master.chunkLocations(this.sim.now, chunk).includes(target.id)) {
      this.fail(`${source.id} told to copy ${chunk} to ${target.id}, which already holds it`);
    }
  }

  onDeath(server: SimServer, at: number, timeoutMs: number): void {
    if (at - server.lastHeard < timeoutMs) {
      this.fail(`${server.id} marked dead at ${at}, heard from at ${server.lastHeard} (timeout ${timeoutMs})`);
    }
  }

  scheduleConvergenceChecks(from: number, until: number): void {
    const check = (): void => {
      if (this.sim.summary.fullReplicationAfterMs !== undefined) return;
      if (this.gaps(this.sim.chunkHandles).all.length === 0) {
        this.sim.summary.fullReplicationAfterMs = this.sim.now - from;
        return;
      }
      if (this.sim.now + CONVERGENCE_CHECK_MS <= until) this.sim.agenda.after(CONVERGENCE_CHECK_MS, check);
    };
    this.sim.agenda.at(from, check);
  }

  /**
   * Full replication must have been reached, and no chunk may lack replicas
   * at the end (a copy that outlived its timeout may still land late and
   * leave a transient excess, with its delete under way).
   */
  atEnd(handles: readonly string[]): void {
    const gaps = this.gaps(handles);
    const reached = this.sim.summary.fullReplicationAfterMs !== undefined;
    if (!reached || gaps.lacking.length > 0) {
      const shown = reached ? gaps.lacking : gaps.all;
      this.fail(`not back to full replication ${this.sim.now - this.sim.summary.faultsEndMs} ms after faults stopped: ${shown.slice(0, 5).join('; ')}${shown.length > 5 ? `; ${shown.length - 5} more` : ''}`);
    }
  }

  /** What stands between the cluster and full replication; `all` is empty when nothing does. */
  gaps(handles: readonly string[]): { all: string[]; lacking: string[] } {
    const { master, fleet, config, now } = this.sim;
    const state = master.replicationState(now);
    const all: string[] = [];
    const lacking: string[] = [];
    if (state.pendingCopies > 0) all.push(`${state.pendingCopies} copies pending`);
    if (state.pendingDeletes > 0) all.push(`${state.pendingDeletes} deletes pending`);
    if (state.brakeEngaged) all.push('brake engaged');
    const eligible = fleet.servers.filter(
      (s) => s.up && !s.gone && !s.partitioned && s.health === 'healthy' && fleet.diskPct(s) < config.diskFullPct,
    ).length;
    const want = Math.min(config.replicationFactor, eligible);
    for (const chunk of handles) {
      if (!fleet.copiesOf(chunk).some((s) => s.up)) continue;
      const live = master.chunkLocations(now, chunk).length;
      const gap = `${chunk} has ${live} live replicas, wants ${want}`;
      if (live < want) lacking.push(gap);
      if (live < want || live > config.replicationFactor) all.push(gap);
    }
    return { all, lacking };
  }
}
