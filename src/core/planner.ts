import type { CoreConfig } from './config.js';
import { type Instruction, PendingInstructions } from './pending.js';
import { ChunkQueue } from './queue.js';
import type { ServerRecord, ServerRegistry } from './registry.js';
import type { ReplicaMap } from './replicas.js';

/** Replies carry at most this many deletes; the rest wait for later heartbeats. */
export const MAX_DELETES_PER_REPLY = 1000;

/** Chunks with excess replicas looked at per planning round. */
const EXCESS_PER_ROUND = 2 * MAX_DELETES_PER_REPLY;

export interface Census {
  /** Live replicas: on servers that are alive and whose chunk list is trusted. */
  live: number;
  /** Live replicas that count towards target RF: not on draining servers. */
  counted: number;
  /** min(target RF, counted + eligible servers not holding it). */
  want: number;
}

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
  readonly queue: ChunkQueue;
  readonly copies = new PendingInstructions();
  readonly deletes = new PendingInstructions();
  /** Something changed since the last round that found nothing to do. */
  private dirty = true;
  private nextRoundAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: CoreConfig,
    private readonly servers: ServerRegistry,
    private readonly replicas: ReplicaMap,
    private readonly counts: (server: number) => boolean,
    /** Told of each chunk that just lost its last live replica. */
    private readonly lostLastReplica: (chunk: number) => void,
  ) {
    this.queue = new ChunkQueue(config.replicationFactor);
  }

  get roundIntervalMs(): number {
    return Math.max(1, Math.floor(this.config.heartbeatIntervalMs / 10));
  }

  markDirty(): void {
    this.dirty = true;
  }

  /** True while a copy or a delete of the chunk is pending. */
  involves(chunk: number): boolean {
    return this.copies.forChunk(chunk).length > 0 || this.deletes.forChunk(chunk).length > 0;
  }

  /** Re-files a chunk after its replicas or their servers changed. */
  touch(chunk: number, now: number): void {
    const { live, counted } = this.census(chunk, 0);
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

  census(chunk: number, eligibleCount: number): Census {
    let live = 0;
    let counted = 0;
    let eligibleHolders = 0;
    for (const server of this.replicas.holdersOf(chunk)) {
      if (!this.counts(server)) continue;
      const record = this.servers.at(server);
      live++;
      if (!record.draining) counted++;
      if (this.eligible(record)) eligibleHolders++;
    }
    const want = Math.min(this.config.replicationFactor, counted + eligibleCount - eligibleHolders);
    return { live, counted, want };
  }

  /** Plans one bounded round of copies and deletes when one is due. */
  roundIfDue(now: number): void {
    if (now < this.nextRoundAt || !this.dirty || !this.queue.hasWork) return;
    this.nextRoundAt = now + this.roundIntervalMs;
    // Copies are capped by streams, so a few per stream is enough to look at;
    // deletes are cheap and leave in replies of up to 1000.
    const budget = Math.min(4096, Math.max(64, this.servers.alive * this.config.maxReplicationStreams * 4));
    const under = this.queue.takeUnder(budget);
    const excess = this.queue.takeExcess(EXCESS_PER_ROUND);
    const planned = this.planCopies(under, now) + excess.reduce((sum, chunk) => sum + this.planDeletes(chunk, now), 0);
    // A round that looked at everything and found nothing waits for a change.
    if (planned === 0 && under.length < budget && excess.length < EXCESS_PER_ROUND) this.dirty = false;
  }

  private planCopies(chunks: readonly number[], now: number): number {
    // Candidates sorted best first, so a pick usually looks at no more than the chunk's holders.
    const targets = this.servers
      .all()
      .filter((r) => this.eligible(r) && this.copies.peerLoadOf(r.index) < this.config.maxReplicationStreams)
      .map((record) => ({ record, rank: this.targetRank(record) }))
      .sort((a, b) => a.rank - b.rank);
    const eligibleCount = this.eligibleCount();
    let planned = 0;
    for (const chunk of chunks) {
      if (targets.length === 0) break;
      const { counted, want } = this.census(chunk, eligibleCount);
      let needed = want - counted - this.copies.forChunk(chunk).length;
      while (needed-- > 0) {
        const source = this.pickSource(chunk);
        const at = source === undefined ? -1 : this.pickTarget(chunk, targets);
        if (source === undefined || at < 0) break;
        const { record } = targets.splice(at, 1)[0] as Candidate;
        this.copies.add(chunk, source, record.index, now + this.config.pendingTimeoutMs);
        planned++;
        if (this.copies.peerLoadOf(record.index) < this.config.maxReplicationStreams) insertByRank(targets, { record, rank: this.targetRank(record) });
      }
    }
    return planned;
  }

  /** A live holder with a free stream; draining servers first (they are leaving), then the least busy. */
  private pickSource(chunk: number): number | undefined {
    const doomed = this.deletes.forChunk(chunk);
    let best: number | undefined;
    for (const server of this.holders(chunk)) {
      if (this.copies.ownerLoadOf(server) >= this.config.maxReplicationStreams) continue;
      if (doomed.some((item) => item.owner === server)) continue;
      if (best === undefined || this.sourceRank(server) < this.sourceRank(best)) best = server;
    }
    return best;
  }

  private sourceRank(server: number): number {
    return (this.servers.at(server).draining ? 0 : 1e6) + this.copies.ownerLoadOf(server) * 1e3 + server / 1e6;
  }

  /**
   * Lower is better: the lowest disk use in 5-point bands (so near-equal
   * disks share the work by in-flight copies), then fewer incoming copies.
   */
  private targetRank(record: ServerRecord): number {
    const disk = record.diskUsagePct ?? 0;
    return Math.floor(disk / 5) * 1e6 + this.copies.peerLoadOf(record.index) * 1e4 + disk * 10;
  }

  /** Position of the best candidate not holding the chunk and not already receiving it, or -1. */
  private pickTarget(chunk: number, targets: readonly Candidate[]): number {
    const incoming = this.copies.forChunk(chunk);
    return targets.findIndex(({ record }) => !this.replicas.holds(record.index, chunk) && !incoming.some((item) => item.peer === record.index));
  }

  /** Deletes the excess from draining servers first, then the fullest disks, never going below target RF. */
  private planDeletes(chunk: number, now: number): number {
    if (this.copies.forChunk(chunk).length > 0) return 0;
    const doomed = new Set(this.deletes.forChunk(chunk).map((item) => item.owner));
    const keep = this.holders(chunk).filter((server) => !doomed.has(server));
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
    const eligibleCount = taken.length > 0 ? this.eligibleCount() : 0;
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
    if (!this.counts(item.owner) || !this.replicas.holds(item.owner, item.chunk)) return false;
    if (!this.eligible(target) || this.replicas.holds(item.peer, item.chunk)) return false;
    const { counted, want } = this.census(item.chunk, eligibleCount);
    // This copy's own target is one of the eligible non-holders in `want`.
    return counted + this.copies.forChunk(item.chunk).length - 1 < want;
  }

  /** At least target RF live replicas must remain besides this one and every other pending delete. */
  private deleteStillSafe(item: Instruction): boolean {
    if (!this.counts(item.owner) || !this.replicas.holds(item.owner, item.chunk)) return false;
    if (this.servers.at(item.owner).health === 'read_only') return false;
    const doomed = new Set(this.deletes.forChunk(item.chunk).map((other) => other.owner));
    const others = this.holders(item.chunk).filter((server) => !doomed.has(server));
    return others.length >= this.config.replicationFactor;
  }

  private dropInstruction(pending: PendingInstructions, item: Instruction, now: number): void {
    pending.close(item);
    this.touch(item.chunk, now);
  }
}

interface Candidate {
  record: ServerRecord;
  rank: number;
}

/** Inserts after every candidate ranked the same or better, keeping ties in their order. */
function insertByRank(targets: Candidate[], candidate: Candidate): void {
  let low = 0;
  let high = targets.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((targets[mid] as Candidate).rank <= candidate.rank) low = mid + 1;
    else high = mid;
  }
  targets.splice(low, 0, candidate);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined || b > a ? a : b;
}
