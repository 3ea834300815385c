import { DeadlineHeap } from '../core/heap.js';
import type { Clock, TimerHandle, Timers } from '../runtime/clock.js';

/** One scheduled run; cancelling it clears `run`. */
export interface Entry {
  run: (() => void) | undefined;
  readonly bucket: Bucket;
}

/** Every entry due at one moment, in the order they were scheduled. */
interface Bucket {
  readonly at: number;
  readonly slot: number;
  readonly entries: Entry[];
  /** Entries not yet run or cancelled. */
  live: number;
}

/**
 * Virtual-time event queue; ties run in the order they were scheduled, so
 * runs are reproducible. The core's heap orders the distinct moments (one
 * recycled slot each); a moment's entries queue in their bucket. It is also
 * the simulated process's clock and timers, so the real driver runs on it.
 */
export class Agenda implements Timers {
  private readonly moments = new DeadlineHeap();
  private readonly buckets = new Map<number, Bucket>();
  private readonly slots: (Bucket | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  /** The moment being run: out of the heap, its later entries still due now. */
  private current: Bucket | undefined;
  private cursor = 0;
  private pending = 0;
  now = 0;
  readonly clock: Clock = { now: () => this.now };

  get size(): number {
    return this.pending;
  }

  at(time: number, run: () => void): Entry {
    const bucket = this.bucketAt(Math.max(time, this.now));
    const entry: Entry = { run, bucket };
    bucket.entries.push(entry);
    bucket.live++;
    this.pending++;
    return entry;
  }

  after(delay: number, run: () => void): Entry {
    return this.at(this.now + delay, run);
  }

  cancel(entry: Entry): void {
    if (entry.run === undefined) return;
    entry.run = undefined;
    this.pending--;
    if (--entry.bucket.live === 0 && entry.bucket !== this.current) this.release(entry.bucket);
  }

  setTimeout(run: () => void, ms: number): TimerHandle {
    return this.after(ms, run);
  }

  clearTimeout(handle: TimerHandle): void {
    this.cancel(handle as Entry);
  }

  /** Runs the next event if it is due by `until`; false when none is. */
  step(until: number): boolean {
    for (;;) {
      const bucket = this.current ?? this.nextBucket(until);
      if (bucket === undefined || bucket.at > until) return false;
      const entry = bucket.entries[this.cursor++];
      if (entry === undefined) {
        this.release(bucket);
        continue;
      }
      const run = entry.run;
      if (run === undefined) continue;
      entry.run = undefined;
      bucket.live--;
      this.pending--;
      this.now = bucket.at;
      run();
      return true;
    }
  }

  private nextBucket(until: number): Bucket | undefined {
    const next = this.moments.peekDeadline();
    if (next === undefined || next > until) return undefined;
    this.current = this.slots[this.moments.pop() as number];
    this.cursor = 0;
    return this.current;
  }

  private bucketAt(at: number): Bucket {
    const known = this.buckets.get(at);
    if (known !== undefined) return known;
    const slot = this.freeSlots.pop() ?? this.slots.length;
    const bucket: Bucket = { at, slot, entries: [], live: 0 };
    this.slots[slot] = bucket;
    this.buckets.set(at, bucket);
    this.moments.set(slot, at);
    return bucket;
  }

  private release(bucket: Bucket): void {
    if (bucket === this.current) this.current = undefined;
    else this.moments.delete(bucket.slot);
    this.buckets.delete(bucket.at);
    this.slots[bucket.slot] = undefined;
    this.freeSlots.push(bucket.slot);
  }
}
