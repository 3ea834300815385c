import type { ChunkCensus } from './census.js';
import type { ReadView } from './views.js';

/**
 * Pending sweep work up to this many replicas is looked at chunk by chunk,
 * so a small death reads exactly from the very call that noticed it (a few
 * milliseconds at most); past it, reads take the queue as filed.
 */
export const EXACT_SWEEP_BOUND = 10_000;

/**
 * The queue's groups, in the order of checkReplication()'s list: 0 holds
 * missing chunks, 1 + c the chunks with c counted replicas (c < target RF).
 * A sweep leaves the chunks it has not reached yet filed as before (a dead
 * server's replicas still counted, a drained server's too); the sweep will
 * re-file them by their census, as the reads do here when that work is small.
 */
export interface Filing {
  /** The queue's own group sizes: they cut its one pass of underReplicated() into groups. */
  readonly filedSizes: readonly number[];
  /** Group sizes once pending sweep work is done (the filed ones when not `settled`). */
  readonly sizes: readonly number[];
  /** Chunks filed in one group that belong in another (-1: in none), by chunk. */
  readonly moved: ReadonlyMap<number, number>;
  /** Chunks that belong in each group and are filed elsewhere. */
  readonly arriving: readonly number[][];
  /** Servers able to take a copy once pending sweep work is done (live servers being reaped count again). */
  readonly eligible: number;
  /** False when pending sweep work was too big to look at: the reads lag behind it. */
  readonly settled: boolean;
}

export function filingOf(view: ReadView, diskFullPct: number): Filing {
  const queue = view.queue;
  const filedSizes = [queue.missingCount, ...Array.from({ length: view.targetRf }, (_, counted) => queue.bucketSize(counted))];
  const sizes = [...filedSizes];
  const moved = new Map<number, number>();
  const arriving = filedSizes.map((): number[] => []);
  const pending = pendingServers(view);
  if (pending === undefined) return { filedSizes, sizes, moved, arriving, eligible: view.census.eligibleCount(), settled: false };
  for (const server of pending) {
    for (const chunk of view.replicas.chunksOf(server)) {
      if (moved.has(chunk)) continue;
      const filed = groupOfPlace(queue.placeOf(chunk));
      const belongs = groupOfCensus(view.census.of(chunk, 0), view.targetRf);
      if (filed === belongs) continue;
      moved.set(chunk, belongs);
      if (filed >= 0) sizes[filed] = (sizes[filed] as number) - 1;
      if (belongs >= 0) {
        sizes[belongs] = (sizes[belongs] as number) + 1;
        (arriving[belongs] as number[]).push(chunk);
      }
    }
  }
  return { filedSizes, sizes, moved, arriving, eligible: eligibleOnceSwept(view, diskFullPct), settled: true };
}

/**
 * Census.eligible() once every reap is done: a live server being reaped
 * (back with liveness only, its old list still being dropped) holds nothing
 * then and counts again, so it can take copies if otherwise fit.
 */
function eligibleOnceSwept(view: ReadView, diskFullPct: number): number {
  let eligible = view.census.eligibleCount();
  if (view.sweeps.reapingServers.size === 0) return eligible;
  for (const record of view.servers.all()) {
    if (!record.alive || record.draining || !view.sweeps.isReaping(record.index)) continue;
    if (record.health === 'healthy' && (record.diskUsagePct ?? 0) < diskFullPct) eligible++;
  }
  return eligible;
}

/**
 * Servers whose chunks a sweep may not have re-filed yet: those being reaped
 * and, while any sweep is under way, live draining ones (a drain's re-filing
 * is a sweep too). Undefined when they hold more than EXACT_SWEEP_BOUND.
 */
function pendingServers(view: ReadView): number[] | undefined {
  if (!view.sweeps.busy) return [];
  const servers = [...view.sweeps.reapingServers];
  for (const record of view.servers.all()) {
    if (record.alive && record.draining && !view.sweeps.isReaping(record.index)) servers.push(record.index);
  }
  let replicas = 0;
  for (const server of servers) replicas += view.replicas.countOf(server);
  return replicas <= EXACT_SWEEP_BOUND ? servers : undefined;
}

/** The group of a queue place: missing (-2) is 0, bucket c is 1 + c, none (-1) stays -1. */
function groupOfPlace(place: number): number {
  return place === -2 ? 0 : place >= 0 ? place + 1 : -1;
}

/** The group the queue files a chunk in by its census (as ChunkQueue.update does). */
function groupOfCensus(census: ChunkCensus, targetRf: number): number {
  if (census.live === 0) return 0;
  return census.counted < targetRf ? census.counted + 1 : -1;
}
