import { grown } from './arrays.js';
import type { Planner } from './planner.js';
import type { ReplicaMap } from './replicas.js';
import type { AssembledReport, ListChange } from './split.js';

/**
 * Writes chunk reports into the replica map, telling the planner of each
 * replica gained or lost. A full report equal to the server's list, in its
 * order, is matched in one pass with no lookup in the map (the common case:
 * an hourly report from a server kept in step by incremental ones). Any
 * other is applied as a diff: per-chunk stamps dedupe it in O(its length),
 * only a report that dropped something walks the server's list, and the
 * list is left in the report's order so its next report matches in one
 * pass. An incremental report costs O(its length), whatever the server holds.
 */
export class ReportApplier {
  private stamps: Int32Array = new Int32Array(1024);
  private epoch = 0;

  constructor(
    private readonly replicas: ReplicaMap,
    private readonly planner: Planner,
  ) {}

  /**
   * Replaces a server's chunk list. With `recountAll`, every reported chunk
   * is re-filed (its replica just started counting again).
   */
  apply(server: number, handles: readonly string[], recountAll: boolean, now: number): void {
    if (this.replicas.listEquals(server, [handles])) return this.unchanged(server, recountAll, now);
    const epoch = this.nextEpoch();
    let seen = 0;
    for (const handle of handles) {
      const id = this.replicas.intern(handle);
      if (id >= this.stamps.length) this.growStamps(id);
      if (this.stamps[id] === epoch) continue;
      this.stamps[id] = epoch;
      seen++;
      this.keep(server, id, recountAll, now);
    }
    this.dropUnstamped(server, seen, epoch, now);
  }

  /**
   * Replaces a server's list with the union of a split report's parts, the
   * changes heard since its first part applied on top in arrival order. The
   * final list is worked out on stamps first, so a chunk dropped by a later
   * change never comes and goes in the map (nor in the planner's view).
   */
  applyAssembled(server: number, report: AssembledReport, recountAll: boolean, now: number): void {
    if (report.changes.length === 0 && this.replicas.listEquals(server, report.parts)) return this.unchanged(server, recountAll, now);
    const listed = this.nextEpoch();
    const kept = this.nextEpoch();
    const fresh: number[] = [];
    const candidates: Int32Array[] = [];
    for (const part of report.parts) candidates.push(this.stampAll(part, listed, fresh));
    for (const change of report.changes) {
      candidates.push(this.stampAll(change.added, listed, fresh));
      for (const handle of change.removed) {
        const id = this.replicas.idOf(handle);
        if (id !== undefined && this.stamps[id] === listed) this.stamps[id] = 0;
      }
    }
    let seen = 0;
    for (const ids of candidates) {
      for (const id of ids) {
        if (this.stamps[id] !== listed) continue;
        this.stamps[id] = kept;
        seen++;
        this.keep(server, id, recountAll, now);
      }
    }
    this.dropUnstamped(server, seen, kept, now);
    // A handle first heard in this report and removed again holds no replica: its id goes back.
    for (const id of fresh) if (this.replicas.holdersOf(id).length === 0) this.replicas.forgetChunk(id);
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

  private unchanged(server: number, recountAll: boolean, now: number): void {
    if (recountAll) for (const id of this.replicas.chunksOf(server)) this.planner.touch(id, now);
  }

  private keep(server: number, id: number, recountAll: boolean, now: number): void {
    if (this.replicas.addOrMoveLast(server, id)) this.planner.replicaAdded(server, id, now);
    else if (recountAll) this.planner.touch(id, now);
  }

  /** Removes the server's replicas not stamped `epoch`, unless all `seen` of its list were. */
  private dropUnstamped(server: number, seen: number, epoch: number, now: number): void {
    if (seen === this.replicas.countOf(server)) return;
    for (const id of [...this.replicas.chunksOf(server)]) {
      if (this.stamps[id] !== epoch && this.replicas.remove(server, id)) this.planner.replicaRemoved(server, id, now);
    }
  }

  /** Interns and stamps each handle; returns their ids, and adds to `fresh` those interned just now. */
  private stampAll(handles: readonly string[], epoch: number, fresh: number[]): Int32Array {
    const ids = new Int32Array(handles.length);
    for (let at = 0; at < handles.length; at++) {
      const handle = handles[at] as string;
      const known = this.replicas.idOf(handle);
      const id = known ?? this.replicas.intern(handle);
      if (known === undefined) fresh.push(id);
      if (id >= this.stamps.length) this.growStamps(id);
      this.stamps[id] = epoch;
      ids[at] = id;
    }
    return ids;
  }

  private nextEpoch(): number {
    if (this.epoch === 0x7fffffff) {
      this.stamps.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
  }

  private growStamps(id: number): void {
    this.stamps = grown(this.stamps, id + 1, 0);
  }
}
