import type { Census } from './census.js';
import type { FiledQueue, Planner } from './planner.js';
import { type ServerRecord, type ServerRegistry, statusOf } from './registry.js';
import type { ReplicaMap } from './replicas.js';
import type { Sweeps } from './sweeps.js';
import type { ServerStatus, ServerView } from './types.js';

/**
 * The master's parts as its read model sees them: read-only slices, so a
 * read can never change the state it reports. Master.readView(now) gives
 * them once deadlines up to `now` are applied.
 */
export interface ReadView {
  readonly targetRf: number;
  readonly heartbeatIntervalMs: number;
  readonly servers: {
    all(): readonly Readonly<ServerRecord>[];
    get(id: string): Readonly<ServerRecord> | undefined;
    at(index: number): Readonly<ServerRecord>;
  } & Pick<ServerRegistry, 'size' | 'counted' | 'slots'>;
  readonly replicas: Pick<ReplicaMap, 'countOf' | 'handleOf' | 'chunksOf' | 'idOf' | 'chunkCount' | 'size'>;
  readonly queue: FiledQueue;
  readonly planner: Pick<Planner, 'pendingCopies' | 'pendingDeletes' | 'instructionsOf'>;
  readonly census: Pick<Census, 'of' | 'eligibleCount' | 'counts' | 'holders'>;
  readonly sweeps: Pick<Sweeps, 'busy' | 'reapingServers' | 'isReaping'>;
}

/** Counts of what the master holds (Master.stats()): O(servers), never O(chunks). */
export interface MasterStats {
  /** Known servers by status, `known` their total; `out` are the dead ones past dead_out. */
  servers: Record<ServerStatus, number> & { known: number; out: number };
  /** Per-server slots allocated: a forgotten server's is reused once its sweep is done. */
  serverSlots: number;
  /** Chunk handles interned (known and not forgotten). */
  chunks: number;
  /** Replicas stored, a dead server's included until its sweep drops them. */
  replicas: number;
  /** Stored replicas that count: on live servers (draining ones included) not being reaped. */
  liveReplicas: number;
  /** Replicas the sweeps have still to drop. */
  replicasToSweep: number;
  pendingCopies: number;
  pendingDeletes: number;
  /** Chunks the planner's queue holds: with no live replica, below target RF with one, above target RF. */
  queued: { missing: number; under: number; excess: number };
}

export function statsOf(view: ReadView): MasterStats {
  const { servers, replicas, queue, planner } = view;
  return {
    servers: { ...serverCounts(view), known: servers.size, out: servers.size - servers.counted },
    serverSlots: servers.slots,
    chunks: replicas.chunkCount,
    replicas: replicas.size,
    liveReplicas: liveReplicas(view),
    replicasToSweep: replicasToSweep(view),
    pendingCopies: planner.pendingCopies,
    pendingDeletes: planner.pendingDeletes,
    queued: { missing: queue.missingCount, under: queue.underCount, excess: queue.excessCount },
  };
}

export function serverCounts(view: ReadView): Record<ServerStatus, number> {
  const counts: Record<ServerStatus, number> = { alive: 0, dead: 0, draining: 0 };
  for (const record of view.servers.all()) counts[statusOf(record)]++;
  return counts;
}

export function liveReplicas(view: ReadView): number {
  let live = 0;
  for (const record of view.servers.all()) if (view.census.counts(record.index)) live += view.replicas.countOf(record.index);
  return live;
}

export function replicasToSweep(view: ReadView): number {
  let left = 0;
  for (const server of view.sweeps.reapingServers) left += view.replicas.countOf(server);
  return left;
}

/** A server as listings show it at `now`: a replica list that does not count reads as 0 chunks. */
export function serverViewOf(view: ReadView, record: Readonly<ServerRecord>, now: number): ServerView {
  const ago = Math.max(0, Math.floor(now - record.lastHeartbeatAt));
  return {
    server: record.id,
    status: statusOf(record),
    chunks: view.census.counts(record.index) ? view.replicas.countOf(record.index) : 0,
    lastHeartbeatMsAgo: ago,
    diskUsagePct: record.diskUsagePct,
    health: record.health,
    missedHeartbeats: Math.floor(ago / view.heartbeatIntervalMs),
    instructions: view.planner.instructionsOf(record.index),
  };
}

/** Live holders of a chunk, in first-heartbeat order; [] for an unknown chunk. */
export function locationsOf(view: ReadView, handle: string): string[] {
  const id = view.replicas.idOf(handle);
  if (id === undefined) return [];
  return view.census
    .holders(id)
    .map((index) => view.servers.at(index))
    .sort((a, b) => a.seq - b.seq)
    .map((record) => record.id);
}
