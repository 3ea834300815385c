interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets, one per key: `capacity` requests at once, refilled at
 * `capacity` per `windowMs`, so a client gets at most `capacity` plus one
 * window's worth in any window. Told the time, like the core, so tests run
 * on a fake clock.
 *
 * At most `maxKeys` buckets are kept. A full bucket says nothing a missing
 * one would not, so those go first; if every kept client is busy, the
 * longest-known are forgotten, which only ever makes the limit more lenient.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    readonly capacity: number,
    windowMs: number,
    private readonly maxKeys: number,
  ) {
    this.refillPerMs = capacity / windowMs;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Spends one request of `key`'s budget: 0 when allowed, else the ms until one is. */
  take(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      this.buckets.set(key, { tokens: this.capacity - 1, at: now });
      return 0;
    }
    this.refill(bucket, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.refillPerMs);
  }

  /** The ms until `key` may make a request, spending nothing. */
  wait(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return 0;
    this.refill(bucket, now);
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / this.refillPerMs);
  }

  private refill(bucket: Bucket, now: number): void {
    if (now > bucket.at) {
      bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.refillPerMs);
      bucket.at = now;
    }
  }

  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.capacity) this.buckets.delete(key);
    }
    // Leave room for a tenth more before sweeping again, so eviction stays O(1) per new key.
    const keep = Math.floor(this.maxKeys * 0.9);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= keep) break;
      this.buckets.delete(key);
    }
  }
}
