import { filled, grown } from './arrays.js';

const END = -1;

/** prev/next links over chunk ids, shared by lines that hold a chunk at most once between them. */
class Links {
  prev: Int32Array = filled(1024, END);
  next: Int32Array = filled(1024, END);

  fit(chunk: number): void {
    if (chunk < this.prev.length) return;
    this.prev = grown(this.prev, chunk + 1, END);
    this.next = grown(this.next, chunk + 1, END);
  }
}

/**
 * A first-in first-out line of chunk ids, linked through per-chunk arrays:
 * adding, removing and moving a chunk to the back are O(1), and nothing is
 * left behind to sweep. (A line of stamped entries did the same until, at
 * 33M chunks, sweeping its stale entries held the loop for over a second.)
 */
class ChunkLine {
  private head = END;
  private tail = END;
  private count = 0;

  constructor(private readonly links: Links) {}

  push(chunk: number): void {
    this.links.fit(chunk);
    const { prev, next } = this.links;
    prev[chunk] = this.tail;
    next[chunk] = END;
    if (this.tail === END) this.head = chunk;
    else next[this.tail] = chunk;
    this.tail = chunk;
    this.count++;
  }

  remove(chunk: number): void {
    const { prev, next } = this.links;
    const before = prev[chunk] as number;
    const after = next[chunk] as number;
    if (before === END) this.head = after;
    else next[before] = after;
    if (after === END) this.tail = before;
    else prev[after] = before;
    this.count--;
  }

  /** Up to `limit` chunks from the front, each moved to the back as it is taken (so the next call gives others a turn). */
  take(limit: number, out: number[]): void {
    for (let left = Math.min(this.count, limit - out.length); left > 0; left--) {
      const chunk = this.head;
      out.push(chunk);
      this.remove(chunk);
      this.push(chunk);
    }
  }

  *live(): Generator<number> {
    for (let chunk = this.head; chunk !== END; chunk = this.links.next[chunk] as number) yield chunk;
  }
}

const NONE = -1;
const MISSING = -2;

/**
 * The chunks that need replication work, kept up to date as replicas come
 * and go, so planning never scans every chunk. A chunk sits in at most one
 * of: `missing` (no live replica at all), or the bucket of its counted
 * replica count when that is below target RF; independently it sits in the
 * excess line while it has more live replicas than target RF.
 */
export class ChunkQueue {
  readonly missing = new Set<number>();
  private readonly buckets: ChunkLine[];
  private readonly bucketSizes: number[];
  private readonly excess = new ChunkLine(new Links());
  private excessSize = 0;
  /**
   * chunk -> bucket index, MISSING or NONE. Int32 (not Int8) for `grown`:
   * at 33M chunks a copy to grow held the loop for 45 ms in a report.
   */
  private place = filled(1024, NONE);
  /** chunk -> 1 while it is in the excess line. */
  private inExcess = filled(1024, 0);

  constructor(readonly targetRf: number) {
    // A chunk sits in one bucket at most: the buckets can share links.
    const links = new Links();
    this.buckets = Array.from({ length: targetRf }, () => new ChunkLine(links));
    this.bucketSizes = Array.from({ length: targetRf }, () => 0);
  }

  /** Chunks below target RF that copies could help (missing ones cannot be helped). */
  get underCount(): number {
    return this.bucketSizes.reduce((sum, size) => sum + size, 0);
  }

  /** Chunks with no live replica at all. */
  get missingCount(): number {
    return this.missing.size;
  }

  /** Chunks with more live replicas than target RF. */
  get excessCount(): number {
    return this.excessSize;
  }

  /** Chunks filed with exactly `counted` counted replicas (below target RF, at least one live). */
  bucketSize(counted: number): number {
    return this.bucketSizes[counted] ?? 0;
  }

  /** Where a chunk is filed: the bucket of its counted replicas, -2 when missing, -1 in neither. */
  placeOf(chunk: number): number {
    return chunk < this.place.length ? (this.place[chunk] as number) : NONE;
  }

  /** True when some chunk could use a copy or a delete. */
  get hasWork(): boolean {
    return this.underCount > 0 || this.excessSize > 0;
  }

  /**
   * Files a chunk by its live replicas (`live`) and the ones that count
   * towards target RF (`counted`: live ones not on draining servers).
   * Returns true when the chunk just lost its last live replica.
   */
  update(chunk: number, live: number, counted: number): boolean {
    if (chunk >= this.place.length) this.grow(chunk);
    const before = this.place[chunk] as number;
    const after = live === 0 ? MISSING : counted < this.targetRf ? counted : NONE;
    if (before !== after) this.move(chunk, before, after);
    const inExcess = this.inExcess[chunk] === 1;
    if (live > this.targetRf && !inExcess) {
      this.inExcess[chunk] = 1;
      this.excess.push(chunk);
      this.excessSize++;
    } else if (live <= this.targetRf && inExcess) {
      this.inExcess[chunk] = 0;
      this.excess.remove(chunk);
      this.excessSize--;
    }
    return after === MISSING && before !== MISSING;
  }

  /** Takes a chunk out of the queue for good (its id is being freed); it must not be in excess. */
  forget(chunk: number): void {
    if (chunk >= this.place.length) return;
    const before = this.place[chunk] as number;
    if (before !== NONE) this.move(chunk, before, NONE);
  }

  /** Up to `limit` chunks that copies could help, fewest counted replicas first; each goes to the back of its line. */
  takeUnder(limit: number): number[] {
    const out: number[] = [];
    for (const bucket of this.buckets) bucket.take(limit, out);
    return out;
  }

  takeExcess(limit: number): number[] {
    const out: number[] = [];
    this.excess.take(limit, out);
    return out;
  }

  /** Every chunk below target RF: missing ones, then by counted replicas. */
  *underReplicated(): Generator<number> {
    yield* this.missing;
    for (const bucket of this.buckets) yield* bucket.live();
  }

  private move(chunk: number, before: number, after: number): void {
    this.place[chunk] = after;
    if (before === MISSING) this.missing.delete(chunk);
    else if (before >= 0) {
      this.bucketSizes[before] = (this.bucketSizes[before] as number) - 1;
      (this.buckets[before] as ChunkLine).remove(chunk);
    }
    if (after === MISSING) this.missing.add(chunk);
    else if (after >= 0) {
      (this.buckets[after] as ChunkLine).push(chunk);
      this.bucketSizes[after] = (this.bucketSizes[after] as number) + 1;
    }
  }

  private grow(chunk: number): void {
    this.place = grown(this.place, chunk + 1, NONE);
    this.inExcess = grown(this.inExcess, chunk + 1, 0);
  }
}
