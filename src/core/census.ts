import type { CoreConfig } from './config.js';
import type { ServerRecord, ServerRegistry } from './registry.js';
import type { ReplicaMap } from './replicas.js';
import type { Sweeps } from './sweeps.js';

/** What a chunk's replicas amount to under the rules. */
export interface ChunkCensus {
  /** Live replicas: on servers that are alive and whose chunk list is trusted. */
  live: number;
  /** Live replicas that count towards target RF: not on draining servers. */
  counted: number;
  /** min(target RF, counted + eligible servers not holding it). */
  want: number;
}

/**
 * The counting rules every plan and every read applies: which stored
 * replicas count, which servers may take a copy, and so what a chunk has
 * and wants. A stored replica counts while its server is alive and not
 * being reaped (a server back before its reap ends still has its old list
 * dropped, so none of it is trusted).
 */
export class Census {
  constructor(
    private readonly config: CoreConfig,
    private readonly servers: ServerRegistry,
    private readonly replicas: ReplicaMap,
    private readonly sweeps: Pick<Sweeps, 'isReaping'>,
  ) {}

  /** Whether a server's stored replicas count. */
  readonly counts = (server: number): boolean => this.servers.at(server).alive && !this.sweeps.isReaping(server);

  /** Whether a server may take a new copy. */
  eligible(record: ServerRecord): boolean {
    return (
      record.alive &&
      this.counts(record.index) &&
      !record.draining &&
      record.health === 'healthy' &&
      (record.diskUsagePct ?? 0) < this.config.diskFullPct
    );
  }

  eligibleCount(): number {
    let count = 0;
    for (const record of this.servers.all()) if (this.eligible(record)) count++;
    return count;
  }

  /** Live holders of a chunk (unordered). */
  holders(chunk: number): number[] {
    return this.replicas.holdersOf(chunk).filter(this.counts);
  }

  /** A chunk's census, given how many servers are eligible (eligibleCount(), or 0 where `want` is not read: then it is only min(RF, counted)). */
  of(chunk: number, eligibleCount: number): ChunkCensus {
    let live = 0;
    let counted = 0;
    let eligibleHolders = 0;
    // Walked holder by holder, with no array: this runs for every replica gained or lost.
    const replicas = this.replicas;
    const holders = replicas.holderCount(chunk);
    for (let k = 0; k < holders; k++) {
      const server = replicas.holderAt(chunk, k);
      if (!this.counts(server)) continue;
      const record = this.servers.at(server);
      live++;
      if (!record.draining) counted++;
      if (eligibleCount > 0 && this.eligible(record)) eligibleHolders++;
    }
    const want = Math.min(this.config.replicationFactor, counted + eligibleCount - eligibleHolders);
    return { live, counted, want };
  }
}
