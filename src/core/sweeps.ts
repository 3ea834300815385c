import type { ReplicaMap } from './replicas.js';

/** Replica operations per tick(): keeps one tick well under the 50 ms event-loop budget. */
export const SWEEP_BATCH = 2500;

/** What a sweep step reports back to the master. */
export interface SweepHooks {
  /** A reaped replica was dropped. */
  removed(server: number, chunk: number): void;
  /** A drained server's chunk is to be re-filed. */
  touch(chunk: number): void;
  /** A dead server has no stored replica left. */
  reaped(server: number): void;
}

interface Recount {
  server: number;
  chunks: number[];
  next: number;
}

/**
 * Per-server work too big for one step, done in bounded batches across
 * tick() calls: dropping a dead server's stored replicas (a million of them
 * must not stall heartbeats) and re-filing a drained server's chunks.
 * A server being reaped does not count: its replicas are already gone as far
 * as every rule is concerned; the batches only catch the bookkeeping up.
 */
export class Sweeps {
  private readonly reaping = new Set<number>();
  private readonly recounts: Recount[] = [];

  get busy(): boolean {
    return this.reaping.size > 0 || this.recounts.length > 0;
  }

  /** Dead servers whose stored replicas are still being dropped. */
  get reapingServers(): ReadonlySet<number> {
    return this.reaping;
  }

  isReaping(server: number): boolean {
    return this.reaping.has(server);
  }

  reap(server: number): void {
    this.reaping.add(server);
  }

  /** Stops reaping a server that sent a full chunk list; true when it was being reaped. */
  cancelReap(server: number): boolean {
    return this.reaping.delete(server);
  }

  recount(server: number, chunks: Iterable<number>): void {
    this.recounts.push({ server, chunks: [...chunks], next: 0 });
  }

  /** Does up to `budget` replica operations, reporting each through `hooks`. Returns the work done. */
  step(replicas: ReplicaMap, budget: number, hooks: SweepHooks): number {
    let done = 0;
    for (const server of this.reaping) {
      const batch: number[] = [];
      for (const chunk of replicas.chunksOf(server)) {
        if (batch.length >= budget - done) break;
        batch.push(chunk);
      }
      for (const chunk of batch) if (replicas.remove(server, chunk)) hooks.removed(server, chunk);
      done += batch.length;
      if (replicas.countOf(server) === 0) {
        this.reaping.delete(server);
        hooks.reaped(server);
      }
      if (done >= budget) return done;
    }
    while (done < budget) {
      const job = this.recounts[0];
      if (job === undefined) break;
      const end = Math.min(job.chunks.length, job.next + budget - done);
      for (let at = job.next; at < end; at++) hooks.touch(job.chunks[at] as number);
      done += end - job.next;
      job.next = end;
      if (end === job.chunks.length) this.recounts.shift();
    }
    return done;
  }
}
