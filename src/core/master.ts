import { type CoreConfig, deadTimeoutMs, defaultCoreConfig } from './config.js';
import { DeadlineHeap } from './heap.js';
import { Planner } from './planner.js';
import { type ServerRecord, ServerRegistry } from './registry.js';
import { ReplicaMap } from './replicas.js';
import { SWEEP_BATCH, Sweeps } from './sweeps.js';
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
 * depends on whether the caller's timer fired on time. Replication planning
 * lives in Planner; work too big for one step (a dead server's replicas) is
 * done by Sweeps in bounded batches, one per tick().
 */
export class Master {
  readonly config: CoreConfig;
  readonly servers = new ServerRegistry();
  readonly replicas = new ReplicaMap();
  readonly planner: Planner;
  private readonly sweeps = new Sweeps();
  private readonly deadlines = new DeadlineHeap();
  private readonly events: CoreEvent[] = [];
  private readonly startedAt: number;
  private now: number;
  private safeMode: boolean;
  private brake = false;
  /** Per-chunk stamps that dedupe one report in O(its length); see applyReport. */
  private stamps = new Uint32Array(1024);
  private epoch = 0;

  constructor(now: number, config: Partial<CoreConfig> = {}) {
    this.config = defaultCoreConfig(config);
    this.startedAt = now;
    this.now = now;
    this.safeMode = this.config.safeModeMs > 0;
    this.planner = new Planner(this.config, this.servers, this.replicas, (server) => this.counts(server), (event) => this.events.push(event));
  }

  /** The earliest time at which tick() has work to do, if any. */
  nextDeadline(): number | undefined {
    if (this.sweeps.busy) return this.now;
    let next = this.deadlines.peekDeadline();
    const candidates = [this.safeMode ? this.startedAt + this.config.safeModeMs : undefined, this.planner.nextDeadline(this.now, this.paused)];
    for (const at of candidates) if (at !== undefined && (next === undefined || at < next)) next = at;
    return next;
  }

  /**
   * Applies due deadlines, then does one bounded batch of sweep work or, when
   * none is left, a planning round if one is due: never both, to keep each
   * call short (heartbeats still plan while a sweep is under way).
   */
  tick(now: number): void {
    this.advance(now);
    const swept = this.sweeps.step(this.replicas, SWEEP_BATCH, (server, chunk) => this.planner.replicaRemoved(server, chunk, this.now), (chunk) => this.planner.touch(chunk, this.now));
    if (swept === 0 && !this.paused) this.planner.roundIfDue(this.now);
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
      this.checkBrake(at);
    }
    this.deadlines.set(record.index, at + deadTimeoutMs(this.config));
    // A full list from a server being reaped replaces what is left of its old one, all of which counts again.
    if (input.chunks !== undefined) {
      this.applyReport(record, input.chunks, this.sweeps.cancelReap(record.index));
      this.planner.reportReceived(record.index, at);
    }
    this.planner.markDirty();
    if (this.paused) return { status: statusOf(record), chunksToDelete: [], chunksToReplicate: [] };
    this.planner.roundIfDue(at);
    const planned = this.planner.deliver(record.index, at);
    return {
      status: statusOf(record),
      chunksToDelete: planned.deletes.map((chunk) => this.replicas.handleOf(chunk)),
      chunksToReplicate: planned.copies.map(({ chunk, target }) => ({ chunk: this.replicas.handleOf(chunk), target: this.servers.at(target).id })),
    };
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
    return this.planner.holders(id).sort((a, b) => a - b).map((index) => this.servers.at(index).id);
  }

  /**
   * Under-replicated chunks, most urgent first: fewer counted replicas than
   * min(target RF, counted + eligible servers not holding it), or no live
   * replica at all. Reads the planner's queue, never every chunk; pending
   * sweep work is finished first so the answer is exact (its cost is that of
   * the answer's length).
   */
  checkReplication(now: number): UnderReplicated[] {
    this.advance(now);
    while (this.sweeps.busy) this.tick(this.now);
    const eligible = this.planner.eligibleCount();
    const found: UnderReplicated[] = [];
    for (const chunk of this.planner.queue.underReplicated()) {
      const census = this.planner.census(chunk, eligible);
      if (census.live > 0 && census.counted >= census.want) continue;
      const priority: Priority = census.live === 0 ? 'missing' : census.counted <= 1 ? 'critical' : 'normal';
      found.push({ chunk: this.replicas.handleOf(chunk), currentRf: census.counted, targetRf: this.config.replicationFactor, priority });
    }
    return found.sort((a, b) => a.currentRf - b.currentRf || rank(a.priority) - rank(b.priority) || compareStrings(a.chunk, b.chunk));
  }

  /**
   * Safe mode, brake and pending work: cheap enough for a probe. The list of
   * under-replicated chunks is checkReplication(), which first finishes any
   * sweep under way and so costs as much as its answer.
   */
  replicationState(now: number): ReplicationState {
    this.advance(now);
    const remaining = this.safeMode ? Math.max(0, this.startedAt + this.config.safeModeMs - this.now) : 0;
    return {
      safeMode: this.safeMode,
      safeModeRemainingMs: remaining,
      brakeEngaged: this.brake,
      pendingCopies: this.planner.copies.size,
      pendingDeletes: this.planner.deletes.size,
    };
  }

  /**
   * Drains a server: it takes no new copies, its replicas stop counting
   * towards target RF (so they are copied elsewhere, with it as a preferred
   * source) and, once a chunk has target RF elsewhere, its copy there is
   * deleted as excess. It stays `draining` for good; chunks 0 means drained.
   * Undefined for an unknown server.
   */
  drainServer(now: number, id: string): ServerView | undefined {
    this.advance(now);
    const record = this.servers.get(id);
    if (record === undefined) return undefined;
    if (!record.draining) {
      record.draining = true;
      if (this.counts(record.index)) this.sweeps.recount(record.index, this.replicas.chunksOf(record.index));
      this.planner.markDirty();
    }
    return this.view(record);
  }

  private get paused(): boolean {
    return this.safeMode || this.brake;
  }

  /** A server's stored replicas count while it is alive and not being reaped. */
  private counts(server: number): boolean {
    return this.servers.at(server).alive && !this.sweeps.isReaping(server);
  }

  private advance(now: number): void {
    // Time is monotonic: a caller's clock going backwards changes nothing.
    if (now > this.now) this.now = now;
    for (;;) {
      const due = this.deadlines.peekDeadline();
      if (due === undefined || due > this.now) break;
      const index = this.deadlines.pop() as number;
      this.markDead(this.servers.at(index), due);
    }
    if (this.safeMode && this.now >= this.startedAt + this.config.safeModeMs) {
      this.safeMode = false;
      this.events.push({ type: 'safe_mode_exited', at: this.startedAt + this.config.safeModeMs });
      this.planner.markDirty();
    }
    this.planner.expire(this.now);
  }

  private markDead(record: ServerRecord, at: number): void {
    const lostReplicas = this.counts(record.index) ? this.replicas.countOf(record.index) : 0;
    this.servers.setAlive(record, false);
    this.sweeps.reap(record.index);
    this.planner.serverLost(record.index, at);
    this.events.push({ type: 'server_dead', server: record.id, at, lostReplicas });
    this.checkBrake(at);
  }

  /** Mass-failure brake: with most of the fleet gone, copying would only make a storm. */
  private checkBrake(at: number): void {
    const known = this.servers.size;
    const dead = known - this.servers.alive;
    const engaged = known > 0 && dead / known > this.config.maxDeadFraction;
    if (engaged === this.brake) return;
    this.brake = engaged;
    this.events.push({ type: engaged ? 'brake_engaged' : 'brake_released', at, dead, known });
    this.planner.markDirty();
  }

  /**
   * Replaces a server's chunk list with a full report, touching only what
   * changed: an identical report costs one lookup per handle and no writes.
   * With `recountAll`, every reported chunk is re-filed (its replica just
   * started counting again).
   */
  private applyReport(record: ServerRecord, handles: readonly string[], recountAll: boolean): void {
    const epoch = this.nextEpoch();
    const server = record.index;
    let seen = 0;
    for (const handle of handles) {
      const id = this.replicas.intern(handle);
      if (id >= this.stamps.length) this.growStamps(id);
      if (this.stamps[id] === epoch) continue;
      this.stamps[id] = epoch;
      seen++;
      if (this.replicas.add(server, id)) this.planner.replicaAdded(server, id, this.now);
      else if (recountAll) this.planner.touch(id, this.now);
    }
    if (seen === this.replicas.countOf(server)) return;
    for (const id of [...this.replicas.chunksOf(server)]) {
      if (this.stamps[id] !== epoch && this.replicas.remove(server, id)) this.planner.replicaRemoved(server, id, this.now);
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
      chunks: this.counts(record.index) ? this.replicas.countOf(record.index) : 0,
      lastHeartbeatMsAgo: ago,
      diskUsagePct: record.diskUsagePct,
      health: record.health,
      missedHeartbeats: Math.floor(ago / this.config.heartbeatIntervalMs),
    };
  }
}

function rank(priority: Priority): number {
  return priority === 'missing' ? 0 : priority === 'critical' ? 1 : 2;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function statusOf(record: ServerRecord): ServerStatus {
  if (!record.alive) return 'dead';
  return record.draining ? 'draining' : 'alive';
}
