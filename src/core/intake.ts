import type { CoreConfig } from './config.js';
import { ReportLeases } from './leases.js';
import { ServerLists } from './lists.js';
import type { PackedHandles } from './packed.js';
import type { Planner } from './planner.js';
import type { ReplicaMap } from './replicas.js';
import { ReportApplier } from './reports.js';
import { type ListChange, SplitReports } from './split.js';
import { StaleServers } from './stale.js';
import type { HeartbeatInput } from './types.js';

const NO_HANDLES: readonly string[] = [];

/**
 * What heartbeats say of chunk lists (CONTRACT 9), taken in: full reports,
 * whole or split, and incremental ones; which servers to ask for a full
 * report; and who has yet to send one since start. Servers are the master's
 * dense indexes; `stopReap` ends the reap of a server that sent a full list
 * (true when one was under way: then every reported replica counts again).
 */
export class ReportIntake {
  readonly lists: ServerLists;
  /** Since this master became leader: who has yet to report in full. */
  readonly stale = new StaleServers();
  private readonly leases: ReportLeases;
  private readonly split: SplitReports;
  private readonly applier: ReportApplier;

  constructor(
    config: CoreConfig,
    startedAt: number,
    replicas: ReplicaMap,
    private readonly planner: Planner,
    private readonly stopReap: (server: number) => boolean,
  ) {
    this.lists = new ServerLists(startedAt);
    this.leases = new ReportLeases(config);
    this.split = new SplitReports(config.pendingTimeoutMs);
    this.applier = new ReportApplier(replicas, planner);
  }

  /** A first heartbeat: the master has no list for the server and wants one. */
  registered(server: number, at: number): void {
    this.lists.registered(server);
    this.stale.joined(server);
    this.leases.want(server, at);
  }

  /** A dead server is back: its list was dropped at its death, so it is asked for one. */
  revived(server: number, at: number): void {
    this.lists.revived(server);
    this.stale.joined(server);
    this.leases.want(server, at);
  }

  died(server: number, at: number): void {
    this.lists.died(server, at);
    this.stale.cleared(server);
    this.leases.drop(server);
    this.split.discard(server);
    this.applier.cancel(server);
  }

  /** This master now leads a new term: every live server is asked for its full list, and deletes wait for them all. */
  promoted(live: readonly number[], now: number): void {
    this.stale.open(live);
    for (const server of live) this.leases.dueNow(server, now);
  }

  /** A new turn of the I/O layer's event loop: a fresh budget for reports applied at once. */
  newTurn(): void {
    this.applier.newTurn();
  }

  /** True while full reports wait to be applied in steps. */
  get busy(): boolean {
    return this.applier.busy;
  }

  /** Applies queued full reports for about `budget` handles; returns the work done. */
  step(budget: number, now: number): number {
    return this.applier.step(budget, now, (server) => this.completed(server, now));
  }

  /** Chunk ids were freed: a report under way looks its handles up again. */
  idsFreed(): void {
    this.applier.restart();
  }

  advance(now: number): void {
    this.split.expire(now);
  }

  /** When the oldest unfinished split report is dropped. */
  nextDeadline(): number | undefined {
    return this.split.nextDeadline();
  }

  /** Applies what a heartbeat says of the server's chunks. */
  take(server: number, input: HeartbeatInput, now: number): void {
    const endsWait = this.stale.awaitsBeat(server);
    this.content(server, input, now);
    if (endsWait) this.stale.cleared(server);
  }

  private content(server: number, input: HeartbeatInput, now: number): void {
    const { chunks, report, chunksAdded, chunksRemoved } = input;
    if (chunks !== undefined && report === undefined) {
      this.full(server, [chunks], [], now);
    } else if (chunks !== undefined && report !== undefined) {
      const outcome = this.split.part(server, report, chunks, now);
      if (outcome === 'started') this.leases.extend(server, now);
      else if (outcome !== 'waiting') this.full(server, outcome.parts, outcome.changes, now);
    } else if (chunksAdded !== undefined || chunksRemoved !== undefined) {
      this.change(server, { added: chunksAdded ?? NO_HANDLES, removed: chunksRemoved ?? NO_HANDLES }, now);
    }
  }

  /** Whether this heartbeat's reply asks the server for its full list. */
  ask(server: number, now: number): boolean {
    return this.leases.ask(server, now, this.split.inProgress(server) || this.applier.waiting(server));
  }

  /**
   * A full list from a server being reaped replaces what is left of its old
   * one, all of which counts again. A long one completes in later steps.
   */
  private full(server: number, parts: readonly (readonly string[] | PackedHandles)[], changes: readonly ListChange[], now: number): void {
    if (this.applier.take(server, parts, changes, this.stopReap(server), now)) this.completed(server, now);
  }

  private completed(server: number, now: number): void {
    this.planner.reportReceived(server, now);
    this.lists.completed(server, now);
    this.stale.reported(server);
    this.leases.reported(server, now);
  }

  /** Applied at once unless the server's list is lost; kept for its split report under way, if any. */
  private change(server: number, change: ListChange, now: number): void {
    this.split.changed(server, change);
    if (!this.lists.lost(server) || this.applier.waiting(server)) this.applier.change(server, change, now);
  }
}
