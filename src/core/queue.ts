import { filled, grown } from './arrays.js';

/**
 * Per-chunk records, `record.length` slots each, of which two link a chunk
 * into a line (PREV, NEXT); the lines sharing them hold a chunk at most
 * once between them.
 */
class Links {
  readonly slots: number;
  cells: Int32Array;

  constructor(readonly record: readonly number[]) {
    this.slots = record.length;
    this.cells = filled(1024 * this.slots, record);
  }

  fit(chunk: number): void {
    if (chunk * this.slots < this.cells.length) return;
    this.cells = grown(this.cells, (chunk + 1) * this.slots, this.record);
  }
}

const END = -1;
const PREV = 0;
const NEXT = 1;

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
    const { cells, slots } = this.links;
    cells[chunk * slots + PREV] = this.tail;
    cells[chunk * slots + NEXT] = END;
    if (this.tail === END) this.head = chunk;
    else cells[this.tail * slots + NEXT] = chunk;
    this.tail = chunk;
    this.count++;
  }

  remove(chunk: number): void {
    const { cells, slots } = this.links;
    const before = cells[chunk * slots + PREV] as number;
    const after = cells[chunk * slots + NEXT] as number;
    if (before === END) this.head = after;
    else cells[before * slots + NEXT] = after;
    if (after === END) this.tail = before;
    else cells[after * slots + PREV] = before;
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

  get length(): number {
    return this.count;
  }

  /** Each chunk in line, front first; the one just given may be removed before the next is asked for. */
  *live(): Generator<number> {
    for (let chunk = this.head; chunk !== END; chunk = this.links.cells[chunk * this.links.slots + NEXT] as number) yield chunk;
  }
}

const NONE = -1;
const MISSING = -2;
/**
 * A chunk's record in the buckets' links: besides PREV and NEXT, PLACE (its
 * bucket, MISSING or NONE) and IN_EXCESS (1 while in the excess line), read
 * with the links, as one cache line: at 33M chunks every separate array read
 * for a chunk was a cache and TLB miss of its own.
 */
const BUCKET_RECORD = [END, END, NONE, 0];
const PLACE = 2;
const IN_EXCESS = 3;

/**
 * The chunks that need replication work, kept up to date as replicas come
 * and go, so planning never scans every chunk. A chunk sits in at most one
 * of: `missing` (no live replica at all), or the bucket of its counted
 * replica count when that is below target RF; independently it sits in the
 * excess line while it has more live replicas than target RF.
 */
export class ChunkQueue {
  /** BUCKET_RECORD per chunk. */
  private readonly records = new Links(BUCKET_RECORD);
  /**
   * A line, not a Set: a Set stops at 2^24 entries, and a fleet of 33M
   * chunks that dies at once has them all missing. A missing chunk is in no
   * bucket, so it shares their links.
   */
  private readonly missing = new ChunkLine(this.records);
  private readonly buckets: ChunkLine[];
  private readonly bucketSizes: number[];
  private readonly excess = new ChunkLine(new Links([END, END]));
  private excessSize = 0;

  constructor(readonly targetRf: number) {
    // A chunk sits in one bucket at most: the buckets can share links.
    this.buckets = Array.from({ length: targetRf }, () => new ChunkLine(this.records));
    this.bucketSizes = Array.from({ length: targetRf }, () => 0);
  }

  /** Chunks below target RF that copies could help (missing ones cannot be helped). */
  get underCount(): number {
    return this.bucketSizes.reduce((sum, size) => sum + size, 0);
  }

  /** Chunks with no live replica at all. */
  get missingCount(): number {
    return this.missing.length;
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
    const { cells, slots } = this.records;
    return chunk * slots < cells.length ? (cells[chunk * slots + PLACE] as number) : NONE;
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
    this.records.fit(chunk);
    const at = chunk * this.records.slots;
    const before = this.records.cells[at + PLACE] as number;
    const after = live === 0 ? MISSING : counted < this.targetRf ? counted : NONE;
    if (before !== after) this.move(chunk, before, after);
    const inExcess = this.records.cells[at + IN_EXCESS] === 1;
    if (live > this.targetRf && !inExcess) {
      this.records.cells[at + IN_EXCESS] = 1;
      this.excess.push(chunk);
      this.excessSize++;
    } else if (live <= this.targetRf && inExcess) {
      this.records.cells[at + IN_EXCESS] = 0;
      this.excess.remove(chunk);
      this.excessSize--;
    }
    return after === MISSING && before !== MISSING;
  }

  /** Takes a chunk out of the queue for good (its id is being freed); it must not be in excess. */
  forget(chunk: number): void {
    const before = this.placeOf(chunk);
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
    yield* this.missing.live();
    for (const bucket of this.buckets) yield* bucket.live();
  }

  /** Every missing chunk, oldest first; the one just given may be forgotten before the next is asked for. */
  missingChunks(): Generator<number> {
    return this.missing.live();
  }

  private move(chunk: number, before: number, after: number): void {
    this.records.cells[chunk * this.records.slots + PLACE] = after;
    if (before === MISSING) this.missing.remove(chunk);
    else if (before >= 0) {
      this.bucketSizes[before] = (this.bucketSizes[before] as number) - 1;
      (this.buckets[before] as ChunkLine).remove(chunk);
    }
    if (after === MISSING) this.missing.push(chunk);
    else if (after >= 0) {
      (this.buckets[after] as ChunkLine).push(chunk);
      this.bucketSizes[after] = (this.bucketSizes[after] as number) + 1;
    }
  }
}
