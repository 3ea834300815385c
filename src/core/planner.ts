import type { Census } from './census.js';
import type { CoreConfig } from './config.js';
import { type Instruction, PendingInstructions } from './pending.js';
import { ChunkQueue } from './queue.js';
import type { ServerRegistry } from './registry.js';
import type { ReplicaMap } from './replicas.js';
import { CopyTargets } from './targets.js';
import type { ServerInstructions } from './types.js';

/** Replies carry at most this many deletes; the rest wait for later heartbeats. */
export const MAX_DELETES_PER_REPLY = 1000;

/** Chunks with excess replicas looked at per planning round. */
const EXCESS_PER_ROUND = 2 * MAX_DELETES_PER_REPLY;

/** The queue as the reads see it: how chunks are filed, never a way to change it. */
export type FiledQueue = Pick<ChunkQueue, 'missingCount' | 'underCount' | 'excessCount' | 'bucketSize' | 'placeOf' | 'underReplicated'>;

export interface Planned {
  copies: { chunk: number; target: number }[];
  deletes: number[];
}

/**
 * Decides which copies and deletes to hand out. Works only from the queue of
 * chunks that need something (kept current by touch()), a bounded slice of it
 * per round, so its cost never grows with the number of healthy chunks.
 */
export class Planner {
  private readonly queue: ChunkQueue;
  private readonly copies = new PendingInstructions();
  private readonly deletes = new PendingInstructions();
  /** Something changed since the last round that found nothing to do. */
  private dirty = true;
  private nextRoundAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: CoreConfig,
    private readonly servers: ServerRegistry,
    private readonly replicas: ReplicaMap,
    private readonly census: Census,
    /** Told of each chunk that just lost its last live replica. */
    private readonly lostLastReplica: (chunk: number) => void,
  ) {
    this.queue = new ChunkQueue(config.replicationFactor);
  }

  /** Copies planned and not yet confirmed. */
  get pendingCopies(): number {
    return this.copies.size;
  }

  /** Deletes planned and not yet confirmed. */
  get pendingDeletes(): number {
    return this.deletes.size;
  }

  /** Unconfirmed instructions a server takes part in: O(1), from the stream counts. */
  instructionsOf(server: number): ServerInstructions {
    return { copiesOut: this.copies.ownerLoadOf(server), copiesIn: this.copies.peerLoadOf(server), deletes: this.deletes.ownerLoadOf(server) };
  }

  /** The queue for the reads: how chunks are filed, with no way to change it. */
  get filed(): FiledQueue {
    return this.queue;
  }

  private get roundIntervalMs(): number {
    return Math.max(1, Math.floor(this.config.heartbeatIntervalMs / 10));
  }

  markDirty(): void {
    this.dirty = true;
  }

  /** Re-files a chunk after its replicas or their servers changed. */
  touch(chunk: number, now: number): void {
    const { live, counted } = this.census.of(chunk, 0);
    if (this.queue.update(chunk, live, counted)) this.lostLastReplica(chunk);
    this.dirty = true;
  }

  replicaAdded(server: number, chunk: number, now: number): void {
    this.copies.confirm(chunk, server, 'peer');
    this.touch(chunk, now);
  }

  replicaRemoved(server: number, chunk: number, now: number): void {
    this.deletes.confirm(chunk, server, 'owner');
    this.touch(chunk, now);
  }

  /** A server died or stopped counting: everything it was part of is planned again. */
  serverLost(server: number, now: number): void {
    for (const chunk of [...this.copies.dropServer(server), ...this.deletes.dropServer(server)]) this.touch(chunk, now);
  }

  /**
   * Frees the chunks a forgotten server was the last to hold, unless an
   * instruction still refers to one; returns how many were freed.
   */
  forgetChunksLeftBy(server: number): number {
    let freed = 0;
    for (const chunk of this.queue.missingChunks()) {
      if (this.replicas.lastHolderOf(chunk) !== server || this.involves(chunk)) continue;
      this.queue.forget(chunk);
      this.replicas.forgetChunk(chunk);
      freed++;
    }
    return freed;
  }

  /** True while a copy or a delete of the chunk is pending. */
  private involves(chunk: number): boolean {
    return this.copies.forChunk(chunk).length > 0 || this.deletes.forChunk(chunk).length > 0;
  }

  /**
   * After a full chunk report. A delete is settled by the report that no
   * longer lists the chunk; a delete that merely timed out would be unsafe to
   * plan again elsewhere, since the server may have carried it out and only
   * sent liveness heartbeats since. But a report that still lists the chunk
   * a whole pending timeout after the delete went out means the server did
   * not delete it: that delete is dropped and the chunk planned again.
   */
  reportReceived(server: number, now: number): void {
    for (const item of this.deletes.of(server)) {
      if (!item.delivered || now - item.deliveredAt < this.config.pendingTimeoutMs) continue;
      if (this.replicas.holds(server, item.chunk)) this.dropInstruction(this.deletes, item, now);
    }
  }

  expire(now: number): void {
    for (const chunk of [...this.copies.expire(now), ...this.deletes.expire(now)]) this.touch(chunk, now);
  }

  nextDeadline(now: number, paused: boolean): number | undefined {
    let next = minDefined(this.copies.nextDeadline(), this.deletes.nextDeadline());
    if (!paused && this.dirty && this.queue.hasWork) next = minDefined(next, Math.max(now, this.nextRoundAt));
    return next;
  }

  /**
   * Plans one bounded round of copies and deletes when one is due; with
   * `holdDeletes` (a new leader yet to hear every report) copies only, and
   * the excess waits where it is filed.
   */
  roundIfDue(now: number, holdDeletes = false): void {
    if (now < this.nextRoundAt || !this.dirty || !this.queue.hasWork) return;
    this.nextRoundAt = now + this.roundIntervalMs;
    // Copies are capped by streams, so a few per stream is enough to look at;
    // deletes are cheap and leave in replies of up to 1000.
    const budget = Math.min(4096, Math.max(64, this.servers.alive * this.config.maxReplicationStreams * 4));
    const under = this.queue.takeUnder(budget);
    const excess = holdDeletes ? [] : this.queue.takeExcess(EXCESS_PER_ROUND);
    const planned = this.planCopies(under, now) + excess.reduce((sum, chunk) => sum + this.planDeletes(chunk), 0);
    // A round that looked at everything and found nothing waits for a change.
    if (planned === 0 && under.length < budget && excess.length < EXCESS_PER_ROUND) this.dirty = false;
  }

  /** Leading a new term: what was planned before is dropped, and each chunk filed again. */
  abandon(now: number): void {
    for (const record of this.servers.all()) this.serverLost(record.index, now);
  }

  private planCopies(chunks: readonly number[], now: number): number {
    const eligible = this.servers.all().filter((record) => this.census.eligible(record));
    const targets = new CopyTargets(eligible, this.copies, this.replicas, this.config.maxReplicationStreams);
    const eligibleCount = eligible.length;
    let planned = 0;
    for (const chunk of chunks) {
      if (targets.empty) break;
      const { counted, want } = this.census.of(chunk, eligibleCount);
      let needed = want - counted - this.copies.forChunk(chunk).length;
      while (needed-- > 0) {
        const source = this.pickSource(chunk);
        const target = source === undefined ? undefined : targets.take(chunk);
        if (source === undefined || target === undefined) break;
        this.copies.add(chunk, source, target.index, now + this.config.pendingTimeoutMs);
        planned++;
        targets.putBack(target);
      }
    }
    return planned;
  }

  /** A live holder with a free stream; draining servers first (they are leaving), then the least busy. */
  private pickSource(chunk: number): number | undefined {
    const doomed = this.deletes.forChunk(chunk);
    let best: number | undefined;
    for (const server of this.census.holders(chunk)) {
      if (this.copies.ownerLoadOf(server) >= this.config.maxReplicationStreams) continue;
      if (doomed.some((item) => item.owner === server)) continue;
      if (best === undefined || this.sourceRank(server) < this.sourceRank(best)) best = server;
    }
    return best;
  }

  private sourceRank(server: number): number {
    return (this.servers.at(server).draining ? 0 : 1e6) + this.copies.ownerLoadOf(server) * 1e3 + server / 1e6;
  }

  /** Deletes the excess from draining servers first, then the fullest disks, never going below target RF. */
  private planDeletes(chunk: number): number {
    if (this.copies.forChunk(chunk).length > 0) return 0;
    const doomed = new Set(this.deletes.forChunk(chunk).map((item) => item.owner));
    const keep = this.census.holders(chunk).filter((server) => !doomed.has(server));
    const surplus = keep.length - this.config.replicationFactor;
    if (surplus <= 0) return 0;
    // A read-only server cannot delete: asking it would only time out, again and again.
    const deletable = keep.filter((server) => this.servers.at(server).health !== 'read_only');
    const victims = deletable.sort((a, b) => this.deleteRank(b) - this.deleteRank(a)).slice(0, surplus);
    // No deadline: only the victim's own report can tell whether it deleted (see reportReceived).
    for (const victim of victims) this.deletes.add(chunk, victim, -1, Number.POSITIVE_INFINITY);
    return victims.length;
  }

  private deleteRank(server: number): number {
    const record = this.servers.at(server);
    return (record.draining ? 1e6 : 0) + (record.diskUsagePct ?? 0) * 1e3 + server / 1e6;
  }

  /**
   * The instructions for one server's heartbeat reply, each handed out once.
   * Each is checked again against what the master knows now; one that no
   * longer holds is dropped and its chunk planned again.
   */
  deliver(server: number, now: number): Planned {
    const copies: Planned['copies'] = [];
    const taken = this.copies.takeUndelivered(server, now);
    const eligibleCount = taken.length > 0 ? this.census.eligibleCount() : 0;
    for (const item of taken) {
      if (this.copyStillValid(item, eligibleCount)) copies.push({ chunk: item.chunk, target: item.peer });
      else this.dropInstruction(this.copies, item, now);
    }
    const deletes: number[] = [];
    for (const item of this.deletes.takeUndelivered(server, now, MAX_DELETES_PER_REPLY)) {
      if (this.deleteStillSafe(item)) deletes.push(item.chunk);
      else this.dropInstruction(this.deletes, item, now);
    }
    return { copies, deletes };
  }

  /**
   * Still needed (a flapping server that came back before the copy went out
   * makes it moot), from a source that still has the chunk, to a target still
   * able to take it.
   */
  private copyStillValid(item: Instruction, eligibleCount: number): boolean {
    const target = this.servers.at(item.peer);
    if (!this.census.counts(item.owner) || !this.replicas.holds(item.owner, item.chunk)) return false;
    if (!this.census.eligible(target) || this.replicas.holds(item.peer, item.chunk)) return false;
    const { counted, want } = this.census.of(item.chunk, eligibleCount);
    // This copy's own target is one of the eligible non-holders in `want`.
    return counted + this.copies.forChunk(item.chunk).length - 1 < want;
  }

  /** At least target RF live replicas must remain besides this one and every other pending delete. */
  private deleteStillSafe(item: Instruction): boolean {
    if (!this.census.counts(item.owner) || !this.replicas.holds(item.owner, item.chunk)) return false;
    if (this.servers.at(item.owner).health === 'read_only') return false;
    const doomed = new Set(this.deletes.forChunk(item.chunk).map((other) => other.owner));
    const others = this.census.holders(item.chunk).filter((server) => !doomed.has(server));
    return others.length >= this.config.replicationFactor;
  }

  private dropInstruction(pending: PendingInstructions, item: Instruction, now: number): void {
    pending.close(item);
    this.touch(item.chunk, now);
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined || b > a ? a : b;
}
