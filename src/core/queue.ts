/**
 * The chunks that need replication work, kept up to date as replicas come
 * and go, so planning never scans every chunk. A chunk sits in at most one
 * of: `missing` (no live replica at all), or the bucket of its counted
 * replica count when that is below target RF; independently it sits in
 * `excess` while it has more live replicas than target RF.
 */
export class ChunkQueue {
  readonly missing = new Set<number>();
  /** buckets[k]: chunks with k counted replicas (k < target RF), oldest first. */
  readonly buckets: Set<number>[];
  readonly excess = new Set<number>();
  /** chunk -> bucket index, -2 for missing, -1 for none. */
  private place = new Int8Array(1024).fill(-1);

  constructor(readonly targetRf: number) {
    this.buckets = Array.from({ length: targetRf }, () => new Set<number>());
  }

  /** Chunks below target RF, missing ones included. */
  get underReplicatedCount(): number {
    let count = this.missing.size;
    for (const bucket of this.buckets) count += bucket.size;
    return count;
  }

  /** True when some chunk could use a copy or a delete. */
  get hasWork(): boolean {
    return this.underReplicatedCount - this.missing.size > 0 || this.excess.size > 0;
  }

  /**
   * Files a chunk by its live replicas (`live`) and the ones that count
   * towards target RF (`counted`: live ones not on draining servers).
   * Returns true when the chunk just lost its last live replica.
   */
  update(chunk: number, live: number, counted: number): boolean {
    if (chunk >= this.place.length) this.grow(chunk);
    const before = this.place[chunk] as number;
    const after = live === 0 ? -2 : counted < this.targetRf ? counted : -1;
    if (before !== after) {
      this.setOf(before)?.delete(chunk);
      this.setOf(after)?.add(chunk);
      this.place[chunk] = after;
    }
    if (live > this.targetRf) this.excess.add(chunk);
    else this.excess.delete(chunk);
    return after === -2 && before !== -2;
  }

  /**
   * Up to `limit` chunks that copies could help, fewest counted replicas
   * first. Missing chunks are left out: nothing can be copied from nowhere.
   */
  takeUnder(limit: number): number[] {
    const out: number[] = [];
    for (const bucket of this.buckets) {
      for (const chunk of bucket) {
        if (out.length >= limit) return out;
        out.push(chunk);
      }
    }
    return out;
  }

  takeExcess(limit: number): number[] {
    const out: number[] = [];
    for (const chunk of this.excess) {
      if (out.length >= limit) break;
      out.push(chunk);
    }
    return out;
  }

  /** Moves a chunk that was looked at to the back of its line, so others get a turn. */
  rotate(chunk: number): void {
    const set = this.setOf(this.place[chunk] ?? -1);
    if (set?.delete(chunk)) set.add(chunk);
    if (this.excess.delete(chunk)) this.excess.add(chunk);
  }

  private setOf(place: number): Set<number> | undefined {
    return place === -2 ? this.missing : this.buckets[place];
  }

  private grow(chunk: number): void {
    let size = this.place.length;
    while (size <= chunk) size *= 2;
    const grown = new Int8Array(size).fill(-1);
    grown.set(this.place);
    this.place = grown;
  }
}
