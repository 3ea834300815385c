import { type CoreConfig, deadTimeoutMs, defaultCoreConfig } from './config.js';
import { DeadlineHeap } from './heap.js';
import { type ServerRecord, ServerRegistry } from './registry.js';
import { ReplicaMap } from './replicas.js';
import type {
  CoreEvent,
  HeartbeatInput,
  HeartbeatReply,
  Priority,
  ReplicationState,
  ServerStatus,
  ServerView,
  UnderReplicated,
} from './types.js';

/**
 * The master's state machine. Sans-I/O: every entry point is told the time
 * (monotonic ms) and returns data; events wait in an outbox for takeEvents().
 * Entry points first apply every deadline up to `now`, so the outcome never
 * depends on whether the caller's timer fired on time.
 */
export class Master {
  readonly config: CoreConfig;
  readonly servers = new ServerRegistry();
  readonly replicas = new ReplicaMap();
  private readonly deadlines = new DeadlineHeap();
  private readonly events: CoreEvent[] = [];
  private readonly startedAt: number;
  private now: number;
  /** Per-chunk stamps that dedupe one report in O(its length); see applyReport. */
  private stamps = new Uint32Array(1024);
  private epoch = 0;

  constructor(now: number, config: Partial<CoreConfig> = {}) {
    this.config = defaultCoreConfig(config);
    this.startedAt = now;
    this.now = now;
  }

  /** The earliest time at which tick() has work to do, if any. */
  nextDeadline(): number | undefined {
    return this.deadlines.peekDeadline();
  }

  tick(now: number): void {
    this.advance(now);
  }

  takeEvents(): CoreEvent[] {
    return this.events.splice(0, this.events.length);
  }

  get startTime(): number {
    return this.startedAt;
  }

  heartbeat(now: number, input: HeartbeatInput): HeartbeatReply {
    this.advance(now);
    const at = this.now;
    const known = this.servers.get(input.server);
    const record = known ?? this.servers.register(input.server, at);
    record.lastHeartbeatAt = at;
    if (input.diskUsagePct !== undefined) record.diskUsagePct = input.diskUsagePct;
    if (input.health !== undefined) record.health = input.health;
    if (!record.alive) {
      this.servers.setAlive(record, true);
      this.events.push({ type: 'server_alive', server: record.id, at, revived: known !== undefined });
    }
    this.deadlines.set(record.index, at + deadTimeoutMs(this.config));
    if (input.chunks !== undefined) this.applyReport(record, input.chunks);
    return { status: statusOf(record), chunksToDelete: [], chunksToReplicate: [] };
  }

  serverStatus(now: number, filter?: ServerStatus): ServerView[] {
    this.advance(now);
    const views: ServerView[] = [];
    for (const record of this.servers.all()) {
      if (filter === undefined || statusOf(record) === filter) views.push(this.view(record));
    }
    return views;
  }

  server(now: number, id: string): ServerView | undefined {
    this.advance(now);
    const record = this.servers.get(id);
    return record && this.view(record);
  }

  /** Live holders of a chunk, in first-heartbeat order; [] for an unknown chunk. */
  chunkLocations(now: number, handle: string): string[] {
    this.advance(now);
    const id = this.replicas.idOf(handle);
    if (id === undefined) return [];
    return [...this.replicas.holdersOf(id)].sort((a, b) => a - b).map((index) => this.servers.at(index).id);
  }

  /**
   * Under-replicated chunks, most urgent first. A chunk wants
   * min(target RF, servers that could hold it) live replicas.
   */
  checkReplication(now: number): UnderReplicated[] {
    this.advance(now);
    const capacity = this.eligibleServerCount();
    const found: UnderReplicated[] = [];
    for (let id = 0; id < this.replicas.chunkCount; id++) {
      const live = this.replicas.replicasOf(id);
      const want = Math.min(this.config.replicationFactor, Math.max(capacity, live));
      if (live >= want && live > 0) continue;
      found.push({ chunk: this.replicas.handleOf(id), currentRf: live, targetRf: this.config.replicationFactor, priority: priorityOf(live) });
    }
    return found.sort((a, b) => a.currentRf - b.currentRf || compareStrings(a.chunk, b.chunk));
  }

  replicationState(now: number): ReplicationState {
    const underReplicated = this.checkReplication(now);
    const remaining = Math.max(0, this.startedAt + this.config.safeModeMs - this.now);
    return {
      safeMode: remaining > 0,
      safeModeRemainingMs: remaining,
      brakeEngaged: this.brakeEngaged(),
      pendingCopies: 0,
      underReplicated,
    };
  }

  /** Marks a server as draining; undefined for an unknown server. */
  drainServer(now: number, id: string): ServerView | undefined {
    this.advance(now);
    const record = this.servers.get(id);
    if (record === undefined) return undefined;
    record.draining = true;
    return this.view(record);
  }

  private brakeEngaged(): boolean {
    const known = this.servers.size;
    return known > 0 && (known - this.servers.alive) / known > this.config.maxDeadFraction;
  }

  private eligibleServerCount(): number {
    let count = 0;
    for (const record of this.servers.all()) {
      if (record.alive && !record.draining && record.health === 'healthy' && (record.diskUsagePct ?? 0) < this.config.diskFullPct) count++;
    }
    return count;
  }

  private advance(now: number): void {
    // Time is monotonic: a caller's clock going backwards changes nothing.
    if (now > this.now) this.now = now;
    for (;;) {
      const due = this.deadlines.peekDeadline();
      if (due === undefined || due > this.now) return;
      const index = this.deadlines.pop() as number;
      this.markDead(this.servers.at(index), due);
    }
  }

  private markDead(record: ServerRecord, at: number): void {
    const lostReplicas = this.replicas.removeServer(record.index).length;
    this.servers.setAlive(record, false);
    this.events.push({ type: 'server_dead', server: record.id, at, lostReplicas });
  }

  /**
   * Replaces a server's chunk list with a full report, touching only what
   * changed: an identical report costs one lookup per handle and no writes.
   */
  private applyReport(record: ServerRecord, handles: readonly string[]): void {
    const epoch = this.nextEpoch();
    const server = record.index;
    let seen = 0;
    for (const handle of handles) {
      const id = this.replicas.intern(handle);
      if (id >= this.stamps.length) this.growStamps(id);
      if (this.stamps[id] === epoch) continue;
      this.stamps[id] = epoch;
      seen++;
      this.replicas.add(server, id);
    }
    if (seen === this.replicas.countOf(server)) return;
    for (const id of [...this.replicas.chunksOf(server)]) {
      if (this.stamps[id] !== epoch) this.replicas.remove(server, id);
    }
  }

  private nextEpoch(): number {
    if (this.epoch === 0xffffffff) {
      this.stamps.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
  }

  private growStamps(id: number): void {
    let size = this.stamps.length;
    while (size <= id) size *= 2;
    const grown = new Uint32Array(size);
    grown.set(this.stamps);
    this.stamps = grown;
  }

  private view(record: ServerRecord): ServerView {
    const ago = Math.max(0, Math.floor(this.now - record.lastHeartbeatAt));
    return {
      server: record.id,
      status: statusOf(record),
      chunks: record.alive ? this.replicas.countOf(record.index) : 0,
      lastHeartbeatMsAgo: ago,
      diskUsagePct: record.diskUsagePct,
      health: record.health,
      missedHeartbeats: Math.floor(ago / this.config.heartbeatIntervalMs),
    };
  }
}

function priorityOf(live: number): Priority {
  if (live === 0) return 'missing';
  return live === 1 ? 'critical' : 'normal';
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function statusOf(record: ServerRecord): ServerStatus {
  if (!record.alive) return 'dead';
  return record.draining ? 'draining' : 'alive';
}
