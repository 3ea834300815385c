import type { Planner } from './planner.js';
import type { ServerRecord, ServerRegistry } from './registry.js';
import type { Sweeps } from './sweeps.js';
import { ChunkTally, type ReapTally } from './tallies.js';
import type { CoreEvent } from './types.js';

/**
 * Servers on their way out. A dead server's stored replicas are reaped in
 * batches (Sweeps); the chunks its death leaves with no live replica are
 * counted against it and told once, in its server_reaped event. A forgotten
 * server's index, and the chunks it was the last to hold, are freed once its
 * reap is done, since until then its replicas still refer to it.
 */
export class Departures {
  private readonly reaps = new Map<number, ReapTally>();
  /** The server whose departure is being worked on right now, or -1. */
  private current = -1;
  private readonly forgotten = new Set<number>();

  constructor(
    private readonly servers: ServerRegistry,
    private readonly planner: Planner,
    private readonly sweeps: Sweeps,
    private readonly emit: (event: CoreEvent) => void,
  ) {}

  /** The tally of the departure under way, which chunks that just went missing belong to. */
  get tally(): ChunkTally | undefined {
    return this.current >= 0 ? this.reaps.get(this.current)?.missing : undefined;
  }

  /** A server died: its reap starts; `dropped` (its instructions closing) counts against it. */
  died(server: number, dropped: () => void): void {
    this.sweeps.reap(server);
    this.reaps.set(server, { replicas: 0, missing: new ChunkTally() });
    this.during(server, dropped);
  }

  /** A full report from a server being reaped: the reap stops; true when there was one. */
  revived(server: number): boolean {
    this.reaps.delete(server);
    return this.sweeps.cancelReap(server);
  }

  /** One reaped replica dropped. */
  removed(server: number, chunk: number, now: number): void {
    const reap = this.reaps.get(server);
    if (reap !== undefined) reap.replicas++;
    this.during(server, () => this.planner.replicaRemoved(server, chunk, now));
  }

  reaped(server: number, now: number): void {
    const record = this.servers.at(server);
    const reap = this.reaps.get(server) ?? { replicas: 0, missing: new ChunkTally() };
    this.reaps.delete(server);
    const { count, examples } = reap.missing;
    this.emit({ type: 'server_reaped', server: record.id, at: now, replicas: reap.replicas, chunksMissing: count, examples });
    if (this.forgotten.delete(server)) this.release(record, now);
  }

  /** Forgets a dead server's id now; frees the rest once its reap is done. */
  forget(record: ServerRecord, now: number): void {
    this.servers.forget(record);
    if (this.sweeps.isReaping(record.index)) this.forgotten.add(record.index);
    else this.release(record, now);
  }

  private during(server: number, work: () => void): void {
    this.current = server;
    try {
      work();
    } finally {
      this.current = -1;
    }
  }

  /** Frees a forgotten server's index and the chunks it was the last to hold (none held or pending now). */
  private release(record: ServerRecord, now: number): void {
    const chunksFreed = this.planner.forgetChunksLeftBy(record.index);
    this.servers.release(record.index);
    this.emit({ type: 'server_forgotten', server: record.id, at: now, chunksFreed });
  }
}
