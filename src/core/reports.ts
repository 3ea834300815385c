import { PackedHandles } from './packed.js';
import type { Planner } from './planner.js';
import type { ReplicaMap } from './replicas.js';
import { ReportJob, Stamps } from './report-job.js';
import type { ListChange } from './split.js';

/**
 * Full reports up to this many handles are applied in the heartbeat that
 * completes them; longer ones in steps from tick(), one report at a time,
 * so the loop is never held for long and heartbeats are read between
 * steps. A step does this much work: a handle new to the map counts
 * NEW_HANDLE_WORK, any other pass over a handle 1. Once the core is told
 * of turns of the event loop (newTurn()), what it applies at once shares
 * that budget per turn too: a report is applied in its heartbeat as far
 * as the turn's budget goes, and what is left of it goes first in the
 * queue for the steps. The budget matters when report leases let several
 * servers report at once: their heartbeats arrive together and are read in
 * one turn (a restart of 10,000 servers held the loop 187 ms that way),
 * and in a restart every handle is new: at 100M replicas one 10,000-handle
 * report of new handles applied whole held the loop 17-57 ms, where a
 * step of this much work takes 8-18 ms.
 */
export const REPORT_BATCH = 10_000;

/**
 * A full report equal to what the master holds (the usual hourly refresh)
 * is checked in one pass with no lookup, about 40 ns a handle: up to this
 * many, about 2 ms, it is taken at once whatever the budget.
 */
export const UNCHANGED_AT_ONCE = 5 * REPORT_BATCH;

/**
 * Writes chunk reports into the replica map, telling the planner of each
 * replica gained or lost. A full report equal to the server's list, in its
 * order, is matched in one pass with no lookup in the map (the common case:
 * an hourly report from a server kept in step by incremental ones). Any
 * other is applied as a diff (see ReportJob), which leaves the server's
 * list in the report's order so its next report matches in one pass. An
 * incremental report costs O(its length), whatever the server holds.
 */
export class ReportApplier {
  /** For reports applied at once, whole: they never overlap one another. */
  private readonly stampsNow = new Stamps();
  /** For the queued report under way, and for one begun in its heartbeat that may become it (see applyNow). */
  private readonly stampsQueued = new Stamps();
  /** Reports too long to apply at once, oldest first; the first is under way. */
  private readonly queue: ReportJob[] = [];
  /** How many of the queued reports each server has. */
  private readonly queuedBy = new Map<number, number>();
  /** Changes heard from servers whose full report waits in the queue, applied after it. */
  private readonly deferred = new Map<number, ListChange[]>();
  /** Work done in this turn: by the step, and by reports applied at once (as diffs). */
  private appliedThisTurn = 0;
  /** Told of turns (newTurn()); a core never told applies every short report at once. */
  private turns = false;

  constructor(
    private readonly replicas: ReplicaMap,
    private readonly planner: Planner,
  ) {}

  /** True while reports wait to be applied: tick() has work. */
  get busy(): boolean {
    return this.queue.length > 0;
  }

  /** The I/O layer begins a turn of its event loop: from now on reports applied at once share a budget per turn. */
  newTurn(): void {
    this.turns = true;
    this.appliedThisTurn = 0;
  }

  /** True while a full report of this server waits in the queue. */
  waiting(server: number): boolean {
    return this.queuedBy.has(server);
  }

  /**
   * A full report (its parts and the changes heard since the first one):
   * applied now and true, or queued behind the server's earlier one or for
   * its length, and false (step() says when it is done).
   */
  take(server: number, lists: readonly (readonly string[] | PackedHandles)[], changes: readonly ListChange[], recountAll: boolean, now: number): boolean {
    let size = 0;
    for (const list of lists) size += list.length;
    const behindAnother = this.waiting(server);
    // Checked as parsed: the hourly refresh, the common case, costs no packing.
    if (!behindAnother && size <= UNCHANGED_AT_ONCE && this.unchanged(server, lists, changes, recountAll, now)) return true;
    const parts = lists.map((list) => PackedHandles.of(list));
    const job = new ReportJob(server, parts, changes, recountAll, this.replicas, this.planner);
    if (!behindAnother && size <= REPORT_BATCH && this.applyNow(job, now)) return true;
    // Changes heard before this report are in it.
    this.deferred.delete(server);
    this.queue.push(job);
    this.queuedBy.set(server, (this.queuedBy.get(server) ?? 0) + 1);
    if (this.queue.length === 1 && !job.started) job.begin(this.stampsQueued);
    return false;
  }

  /**
   * Works on queued reports for about `budget` handles; `finished` hears of
   * each one done, after the changes deferred behind it are applied.
   */
  step(budget: number, now: number, finished: (server: number) => void): number {
    let work = 0;
    while (work < budget && this.queue.length > 0) {
      const job = this.queue[0] as ReportJob;
      work += job.step(budget - work, now);
      if (!job.done) break;
      this.queue.shift();
      this.unqueued(job.server);
      this.queue[0]?.begin(this.stampsQueued);
      if (!this.waiting(job.server)) this.applyDeferred(job.server, now);
      finished(job.server);
    }
    // The step's own work counts against the budget of the turn it runs in.
    this.appliedThisTurn = work;
    return work;
  }

  /** Applied now, unless the server's full report waits: then after it. */
  change(server: number, change: ListChange, now: number): void {
    if (!this.waiting(server)) return this.applyChanges(server, change, now);
    const deferred = this.deferred.get(server);
    if (deferred === undefined) this.deferred.set(server, [change]);
    else deferred.push(change);
  }

  /** Gains first, then losses: a handle in both lists ends up not held, the side a later full report can only correct safely. */
  applyChanges(server: number, change: ListChange, now: number): void {
    for (const handle of change.added) {
      const id = this.replicas.intern(handle);
      if (this.replicas.add(server, id)) this.planner.replicaAdded(server, id, now);
    }
    for (const handle of change.removed) {
      const id = this.replicas.idOf(handle);
      if (id !== undefined && this.replicas.remove(server, id)) this.planner.replicaRemoved(server, id, now);
    }
  }

  /** The server is gone: its queued reports are dropped, and what the one under way interned is let go. */
  cancel(server: number): void {
    this.deferred.delete(server);
    if (!this.queuedBy.delete(server)) return;
    const head = this.queue[0] as ReportJob;
    for (let at = this.queue.length - 1; at >= 0; at--) if ((this.queue[at] as ReportJob).server === server) this.queue.splice(at, 1);
    if (head === this.queue[0]) return;
    head.abandon();
    this.queue[0]?.begin(this.stampsQueued);
  }

  /** Chunk ids were freed (a server forgotten): the report under way starts over from its handles. */
  restart(): void {
    this.queue[0]?.begin(this.stampsQueued);
  }

  /** A report equal to the list costs one pass with no lookup: it spends no budget. */
  private unchanged(server: number, parts: readonly (readonly string[] | PackedHandles)[], changes: readonly ListChange[], recountAll: boolean, now: number): boolean {
    if (changes.length > 0 || !this.replicas.listEquals(server, parts)) return false;
    if (recountAll) for (const id of this.replicas.chunksOf(server)) this.planner.touch(id, now);
    return true;
  }

  /**
   * Applies a short report now, whole, unless the core is told of turns:
   * then whole if it surely fits the budget left in this turn; else, while
   * no queued report is under way (two reports part-done at once could
   * each let go of an id the other has stamped), as far as that budget
   * goes, on the queue's stamps: what is left goes on with them as the
   * queue's first (the caller queues it), and it says false.
   */
  private applyNow(job: ReportJob, now: number): boolean {
    const left = REPORT_BATCH - this.appliedThisTurn;
    if (!this.turns || job.mostWork <= left) {
      job.begin(this.stampsNow);
      this.appliedThisTurn += job.step(Infinity, now);
      return true;
    }
    if (this.queue.length > 0 || left <= 0) return false;
    job.begin(this.stampsQueued);
    this.appliedThisTurn += job.step(left, now);
    return job.done;
  }

  private unqueued(server: number): void {
    const left = (this.queuedBy.get(server) as number) - 1;
    if (left === 0) this.queuedBy.delete(server);
    else this.queuedBy.set(server, left);
  }

  private applyDeferred(server: number, now: number): void {
    for (const change of this.deferred.get(server) ?? []) this.applyChanges(server, change, now);
    this.deferred.delete(server);
  }
}
