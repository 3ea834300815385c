/**
 * A first-in first-out line of chunk ids where an entry stays valid only
 * while its chunk still carries the stamp it was queued with. Moving a chunk
 * elsewhere just restamps it, so removal is O(1) with no search; stale
 * entries are skipped when met and swept out when they outnumber live ones.
 */
class StampedLine {
  private chunks: number[] = [];
  private stamps: number[] = [];
  private head = 0;

  constructor(private readonly valid: (chunk: number, stamp: number) => boolean) {}

  push(chunk: number, stamp: number): void {
    this.chunks.push(chunk);
    this.stamps.push(stamp);
  }

  /**
   * Up to `limit` live chunks from the front, each moved to the back as it
   * is taken (so the next call gives others a turn). Looks at each entry
   * present at the start at most once.
   */
  take(limit: number, out: number[]): void {
    for (let left = this.chunks.length - this.head; left > 0 && out.length < limit; left--) {
      const chunk = this.chunks[this.head] as number;
      const stamp = this.stamps[this.head] as number;
      this.head++;
      if (!this.valid(chunk, stamp)) continue;
      out.push(chunk);
      this.push(chunk, stamp);
    }
  }

  *live(): Generator<number> {
    for (let at = this.head; at < this.chunks.length; at++) {
      const chunk = this.chunks[at] as number;
      if (this.valid(chunk, this.stamps[at] as number)) yield chunk;
    }
  }

  /** Drops spent and stale entries once they make up most of the line (amortised O(1) per entry). */
  compact(liveCount: number): void {
    const entries = this.chunks.length - this.head;
    if (entries > 2 * liveCount + 1024) {
      let kept = 0;
      for (let at = this.head; at < this.chunks.length; at++) {
        const chunk = this.chunks[at] as number;
        const stamp = this.stamps[at] as number;
        if (!this.valid(chunk, stamp)) continue;
        this.chunks[kept] = chunk;
        this.stamps[kept] = stamp;
        kept++;
      }
      this.chunks.length = kept;
      this.stamps.length = kept;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
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
  private readonly buckets: StampedLine[];
  private readonly bucketSizes: number[];
  private readonly excess: StampedLine;
  private excessSize = 0;
  /** chunk -> bucket index, MISSING or NONE. */
  private place = new Int8Array(1024).fill(NONE);
  /** chunk -> stamp of its bucket entry; 0 when in no bucket. */
  private placeStamp = new Uint32Array(1024);
  /** chunk -> stamp of its excess entry; 0 when not in excess. */
  private excessStamp = new Uint32Array(1024);
  private nextStamp = 1;

  constructor(readonly targetRf: number) {
    this.buckets = Array.from({ length: targetRf }, () => new StampedLine((chunk, stamp) => this.placeStamp[chunk] === stamp));
    this.bucketSizes = Array.from({ length: targetRf }, () => 0);
    this.excess = new StampedLine((chunk, stamp) => this.excessStamp[chunk] === stamp);
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
    const inExcess = this.excessStamp[chunk] !== 0;
    if (live > this.targetRf && !inExcess) {
      const stamp = this.nextStamp++;
      this.excessStamp[chunk] = stamp;
      this.excess.push(chunk, stamp);
      this.excessSize++;
    } else if (live <= this.targetRf && inExcess) {
      this.excessStamp[chunk] = 0;
      this.excessSize--;
      this.excess.compact(this.excessSize);
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
    this.buckets.forEach((bucket, at) => {
      bucket.take(limit, out);
      bucket.compact(this.bucketSizes[at] as number);
    });
    return out;
  }

  takeExcess(limit: number): number[] {
    const out: number[] = [];
    this.excess.take(limit, out);
    this.excess.compact(this.excessSize);
    return out;
  }

  /** Every chunk below target RF: missing ones, then by counted replicas. */
  *underReplicated(): Generator<number> {
    yield* this.missing;
    for (const bucket of this.buckets) yield* bucket.live();
  }

  private move(chunk: number, before: number, after: number): void {
    this.place[chunk] = after;
    this.placeStamp[chunk] = 0;
    if (before === MISSING) this.missing.delete(chunk);
    else if (before >= 0) {
      this.bucketSizes[before] = (this.bucketSizes[before] as number) - 1;
      // The entry left behind is stale now; sweep once they pile up, even with no planning going on.
      (this.buckets[before] as StampedLine).compact(this.bucketSizes[before] as number);
    }
    if (after === MISSING) this.missing.add(chunk);
    else if (after >= 0) {
      const stamp = this.nextStamp++;
      this.placeStamp[chunk] = stamp;
      (this.buckets[after] as StampedLine).push(chunk, stamp);
      this.bucketSizes[after] = (this.bucketSizes[after] as number) + 1;
    }
  }

  private grow(chunk: number): void {
    let size = this.place.length;
    while (size <= chunk) size *= 2;
    const place = new Int8Array(size).fill(NONE);
    place.set(this.place);
    this.place = place;
    const placeStamp = new Uint32Array(size);
    placeStamp.set(this.placeStamp);
    this.placeStamp = placeStamp;
    const excessStamp = new Uint32Array(size);
    excessStamp.set(this.excessStamp);
    this.excessStamp = excessStamp;
  }
}
