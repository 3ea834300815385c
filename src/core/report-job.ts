import { grown } from './arrays.js';
import { PackedHandles } from './packed.js';
import type { Planner } from './planner.js';
import type { ReplicaMap } from './replicas.js';
import type { ListChange } from './split.js';

/**
 * Per-chunk stamps for one report at a time: each report takes fresh
 * epochs, so nothing is cleared between reports.
 */
export class Stamps {
  values: Int32Array = new Int32Array(1024);
  private epoch = 0;

  next(): number {
    if (this.epoch === 0x7fffffff) {
      this.values.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
  }

  fit(id: number): void {
    if (id >= this.values.length) this.values = grown(this.values, id + 1, 0);
  }
}

/**
 * A handle new to the map, in a step's work: a miss all the way down the
 * probe, then its slot, key and per-chunk records written (and now and then
 * its shard of the table grown). At 100M replicas a step of 10,000 new
 * handles counted as one each held the loop 40-75 ms; a known one is a
 * probe that hits.
 */
export const NEW_HANDLE_WORK = 4;

const STAMP = 0;
const DROP = 1;
const KEEP = 2;
const FRESH = 3;
const DONE = 4;

/** A list to stamp (the report's parts, a change's gains) or to unstamp (a change's losses). */
interface Pass {
  readonly handles: PackedHandles;
  readonly unstamp: boolean;
}

/**
 * One full report written into the map in steps, so that a report of a
 * million handles never holds the event loop: the caller gives each step a
 * budget of handles. The final list (the parts' union, then each change
 * heard since the first part, in order) is worked out on stamps before the
 * map changes. Losses go in before gains: between steps a chunk may be
 * counted short (a copy too many, deleted later), never long (a delete
 * that leaves it short). The server's list ends in the report's order.
 */
export class ReportJob {
  private phase = STAMP;
  private pass = 0;
  private at = 0;
  private listed = 0;
  private kept = 0;
  private stamps: Stamps | undefined;
  private readonly passes: Pass[] = [];
  /** Per stamping pass, the ids it stamped, in order: what KEEP walks. */
  private readonly candidates: Int32Array[] = [];
  /** Ids interned by this report; let go at the end if nothing holds them. */
  private readonly fresh: number[] = [];
  private dropping: Iterator<number> | undefined;

  constructor(
    readonly server: number,
    parts: readonly PackedHandles[],
    changes: readonly ListChange[],
    /** Every chunk kept is re-filed too (the server's replicas just started counting again). */
    readonly recountAll: boolean,
    private readonly replicas: ReplicaMap,
    private readonly planner: Planner,
  ) {
    for (const handles of parts) this.passes.push({ handles, unstamp: false });
    for (const change of changes) {
      this.passes.push({ handles: PackedHandles.of(change.added), unstamp: false }, { handles: PackedHandles.of(change.removed), unstamp: true });
    }
  }

  get done(): boolean {
    return this.phase === DONE;
  }

  /** begin() was called: the job is under way on its stamps. */
  get started(): boolean {
    return this.stamps !== undefined;
  }

  /**
   * The most work the whole job can take: every handle stamped as new,
   * kept and let go, every replica the server holds passed over, and each
   * phase's least step.
   */
  get mostWork(): number {
    return this.size * (NEW_HANDLE_WORK + 2) + this.replicas.countOf(this.server) + 4;
  }

  /** Handles in the report and its changes. */
  get size(): number {
    let size = 0;
    for (const pass of this.passes) size += pass.handles.length;
    return size;
  }

  /** Starts (or starts over) on a set of stamps no other unfinished job is using. */
  begin(stamps: Stamps): void {
    this.stamps = stamps;
    this.listed = stamps.next();
    this.kept = stamps.next();
    this.phase = STAMP;
    this.pass = 0;
    this.at = 0;
    this.candidates.length = 0;
    this.dropping = undefined;
  }

  /** Does about `budget` handles' work; returns the work done. */
  step(budget: number, now: number): number {
    let work = 0;
    while (work < budget && this.phase !== DONE) {
      if (this.phase === STAMP) work += this.stampSome(budget - work);
      else if (this.phase === DROP) work += this.dropSome(budget - work, now);
      else if (this.phase === KEEP) work += this.keepSome(budget - work, now);
      else work += this.releaseSome(budget - work);
    }
    return work;
  }

  /** Lets go of what this report interned and nothing holds: for a job dropped before its end. */
  abandon(): void {
    this.phase = FRESH;
    this.at = 0;
    this.releaseSome(Infinity);
  }

  private stampSome(budget: number): number {
    const stamps = this.stamps as Stamps;
    let work = 0;
    while (work < budget && this.pass < this.passes.length) {
      const { handles, unstamp } = this.passes[this.pass] as Pass;
      if (this.at === 0 && !unstamp) this.candidates.push(new Int32Array(handles.length));
      const ids = this.candidates[this.candidates.length - 1] as Int32Array;
      for (; this.at < handles.length && work < budget; this.at++) {
        if (unstamp) {
          work++;
          const known = this.replicas.idOfPacked(handles, this.at);
          if (known !== undefined && stamps.values[known] === this.listed) stamps.values[known] = 0;
          continue;
        }
        const chunks = this.replicas.chunkCount;
        const id = this.replicas.internPacked(handles, this.at);
        if (this.replicas.chunkCount === chunks) work++;
        else {
          this.fresh.push(id);
          work += NEW_HANDLE_WORK;
        }
        stamps.fit(id);
        stamps.values[id] = this.listed;
        ids[this.at] = id;
      }
      if (this.at < handles.length) return work;
      this.pass++;
      this.at = 0;
    }
    if (this.pass === this.passes.length) this.next(DROP);
    return Math.max(work, 1);
  }

  private dropSome(budget: number, now: number): number {
    const values = (this.stamps as Stamps).values;
    this.dropping ??= this.replicas.chunksOf(this.server)[Symbol.iterator]();
    let work = 0;
    while (work < budget) {
      const item: IteratorResult<number> = this.dropping.next();
      if (item.done === true) {
        this.next(KEEP);
        return Math.max(work, 1);
      }
      work++;
      const chunk = item.value;
      if (values[chunk] !== this.listed && this.replicas.remove(this.server, chunk)) this.planner.replicaRemoved(this.server, chunk, now);
    }
    return work;
  }

  private keepSome(budget: number, now: number): number {
    const values = (this.stamps as Stamps).values;
    let work = 0;
    while (work < budget && this.pass < this.candidates.length) {
      const ids = this.candidates[this.pass] as Int32Array;
      const end = Math.min(ids.length, this.at + budget - work);
      work += end - this.at;
      for (; this.at < end; this.at++) {
        const id = ids[this.at] as number;
        if (values[id] !== this.listed) continue;
        values[id] = this.kept;
        if (this.replicas.addOrMoveLast(this.server, id)) this.planner.replicaAdded(this.server, id, now);
        else if (this.recountAll) this.planner.touch(id, now);
      }
      if (this.at < ids.length) return Math.max(work, 1);
      this.pass++;
      this.at = 0;
    }
    this.next(FRESH);
    return Math.max(work, 1);
  }

  private releaseSome(budget: number): number {
    const from = this.at;
    const end = Math.min(this.fresh.length, from + budget);
    for (; this.at < end; this.at++) {
      const id = this.fresh[this.at] as number;
      if (this.replicas.holderCount(id) === 0) this.replicas.forgetChunk(id);
    }
    if (this.at === this.fresh.length) this.phase = DONE;
    return Math.max(end - from, 1);
  }

  private next(phase: number): void {
    this.phase = phase;
    this.pass = 0;
    this.at = 0;
  }
}
