import { Census } from './census.js';
import { Command } from './command.js';
import { type CoreConfig, deadTimeoutMs, defaultCoreConfig } from './config.js';
import { Departures } from './departures.js';
import { ReportIntake } from './intake.js';
import { Liveness } from './liveness.js';
import { Outbox } from './outbox.js';
import { PlanningPause } from './pause.js';
import { Planner } from './planner.js';
import { type ServerRecord, ServerRegistry, statusOf } from './registry.js';
import { underReplicatedList } from './reads.js';
import { ReplicaMap } from './replicas.js';
import { REPORT_BATCH } from './reports.js';
import { SWEEP_BATCH, type SweepHooks, Sweeps } from './sweeps.js';
import type {
  CoreEvent,
  HeartbeatInput,
  HeartbeatReply,
  Leadership,
  LeadershipView,
  ReplicationState,
  ServerStatus,
  ServerView,
  UnderReplicated,
} from './types.js';
import { type MasterStats, type ReadView, locationsOf, serverViewOf, statsOf } from './views.js';

/** What forgetServer() did: only a dead server can be forgotten. */
export type ForgetOutcome = 'forgotten' | 'alive' | 'unknown';

/**
 * The master's state machine. Sans-I/O: every entry point is told the time
 * (monotonic ms) and returns data; events wait in an outbox for takeEvents().
 * Entry points first apply every deadline up to `now`, so the outcome never
 * depends on whether the caller's timer fired on time. Planner plans; work too
 * big for one step (a dead server's replicas, a long report) is done in
 * bounded batches, one per tick(), by Sweeps and ReportIntake (chunk reports
 * and the asking for them). State is read through the entry points only.
 */
export class Master {
  readonly config: CoreConfig;
  private readonly servers = new ServerRegistry();
  private readonly replicas = new ReplicaMap();
  private readonly sweeps = new Sweeps();
  private readonly census: Census;
  private readonly planner: Planner;
  private readonly liveness = new Liveness();
  private readonly pause: PlanningPause;
  private readonly intake: ReportIntake;
  private readonly outbox = new Outbox(() => this.departures.tally);
  private readonly command: Command;
  private now: number;
  private readonly departures: Departures;
  /** The parts the cheap reads look at, typed so that they can only read. */
  private readonly parts: ReadView;
  private readonly sweepHooks: SweepHooks = {
    removed: (server, chunk) => this.departures.removed(server, chunk, this.now),
    // A drained server's list was copied when its drain began: a chunk freed since is left alone.
    touch: (chunk) => this.replicas.has(chunk) && this.planner.touch(chunk, this.now),
    reaped: (server) => this.departures.reaped(server, this.now),
  };

  constructor(now: number, config: Partial<CoreConfig> = {}) {
    this.config = defaultCoreConfig(config);
    this.now = now;
    this.census = new Census(this.config, this.servers, this.replicas, this.sweeps);
    const lostLastReplica = (chunk: number) => this.outbox.chunkMissing(this.replicas.handleOf(chunk));
    this.planner = new Planner(this.config, this.servers, this.replicas, this.census, lostLastReplica);
    this.pause = new PlanningPause(this.config, now, (event) => {
      this.outbox.push(event);
      this.planner.markDirty();
    });
    this.departures = new Departures(this.servers, this.planner, this.sweeps, (event) => this.outbox.push(event));
    this.intake = new ReportIntake(this.config, now, this.replicas, this.planner, (server) => this.departures.revived(server));
    this.command = new Command((event) => this.outbox.push(event), this.pause, this.planner, this.intake, this.servers, this.replicas);
    const { servers, replicas, planner, census, sweeps } = this;
    const { replicationFactor: targetRf, heartbeatIntervalMs } = this.config;
    this.parts = { targetRf, heartbeatIntervalMs, servers, replicas, queue: planner.filed, planner, census, sweeps };
  }

  /** The earliest time at which tick() has work to do, if any. */
  nextDeadline(): number | undefined {
    if (this.sweeps.busy || this.intake.busy) return this.now;
    let next = this.liveness.nextDeadline();
    const candidates = [this.pause.nextDeadline(), this.command.nextDeadline(this.now), this.intake.nextDeadline()];
    for (const at of candidates) if (at !== undefined && (next === undefined || at < next)) next = at;
    return next;
  }

  /**
   * Applies due deadlines, then does one bounded batch of sweep work, else of a long full report, else a
   * planning round if one is due: one of them, to keep each call short (heartbeats still plan meanwhile).
   * `share` of a batch only, when the caller slices a tick to read its clock between the slices.
   */
  tick(now: number, share = 1): void {
    this.advance(now);
    const swept = this.sweeps.step(this.replicas, Math.ceil(SWEEP_BATCH * share), this.sweepHooks);
    const applied = swept === 0 ? this.intake.step(Math.ceil(REPORT_BATCH * share), this.now) : 0;
    if (swept === 0 && applied === 0) this.command.planRound(this.now);
  }

  /** The election's word (CONTRACT 10): only a leader within its deadline instructs. */
  setLeadership(now: number, leadership: Leadership): void {
    this.advance(now);
    this.command.set(this.now, leadership);
  }

  /** This master's part in a group of masters (undefined for a single master), with deadlines applied. */
  leadership(now: number): LeadershipView | undefined {
    this.advance(now);
    return this.command.view;
  }

  /** The I/O layer begins a turn of its event loop: full reports applied at once share a budget of work per turn. */
  newTurn(): void {
    this.intake.newTurn();
  }

  /** Events since the last call; chunks that went missing are summed into one chunks_missing event. */
  takeEvents(): CoreEvent[] {
    return this.outbox.take(this.now);
  }

  /** The master could not listen for `ms` (GC, a long step, a backlog): every liveness deadline moves back by as much. */
  creditStall(ms: number): void {
    this.liveness.credit(ms);
  }

  /** Takes in the heartbeat's chunk report, if any; the reply may ask for the server's full list. */
  heartbeat(now: number, input: HeartbeatInput): HeartbeatReply {
    const record = this.hear(now, input);
    const at = this.now;
    this.intake.take(record.index, input, at);
    // The last full report safe mode waited for ends it now.
    this.pause.advance(at, this.intake.lists);
    const fullReport = this.intake.ask(record.index, at);
    this.planner.markDirty();
    return this.command.reply(record.index, at, statusOf(record), fullReport);
  }

  /** Liveness only (a heartbeat refused for its rate still proves the server up): no reply, so nothing is handed out. */
  keepAlive(now: number, server: string): ServerStatus {
    return statusOf(this.hear(now, { server }));
  }

  /** A server was heard from: registered, revived and its deadline pushed back as needed. */
  private hear(now: number, input: HeartbeatInput): ServerRecord {
    this.advance(now);
    const at = this.now;
    const known = this.servers.get(input.server);
    const record = known ?? this.servers.register(input.server, at);
    if (known === undefined) this.intake.registered(record.index, at);
    else if (!record.alive) this.intake.revived(record.index, at);
    record.lastHeartbeatAt = at;
    if (input.diskUsagePct !== undefined) record.diskUsagePct = input.diskUsagePct;
    if (input.health !== undefined) record.health = input.health;
    if (!record.alive) {
      this.servers.setAlive(record, true);
      this.outbox.push({ type: 'server_alive', server: record.id, at, revived: known !== undefined });
      this.checkBrake(at);
    }
    this.liveness.schedule(record.index, at, deadTimeoutMs(this.config));
    return record;
  }

  serverStatus(now: number, filter?: ServerStatus): ServerView[] {
    this.advanceWhole(now);
    const views: ServerView[] = [];
    for (const record of this.servers.all()) {
      if (filter === undefined || statusOf(record) === filter) views.push(serverViewOf(this.parts, record, this.now));
    }
    return views;
  }

  server(now: number, id: string): ServerView | undefined {
    this.advanceWhole(now);
    const record = this.servers.get(id);
    return record && serverViewOf(this.parts, record, this.now);
  }

  /** Live holders of a chunk, in first-heartbeat order; [] for an unknown chunk. */
  chunkLocations(now: number, handle: string): string[] {
    this.advanceWhole(now);
    return locationsOf(this.parts, handle);
  }

  /** Under-replicated chunks, most urgent first (underReplicatedList), pending sweeps finished first: exact, unlike reads.ts. */
  checkReplication(now: number): UnderReplicated[] {
    this.advanceWhole(now);
    while (this.sweeps.busy) this.tick(this.now);
    return underReplicatedList(this.readView(this.now));
  }

  /**
   * Safe mode, brake and pending work: cheap enough for a probe. The list of
   * under-replicated chunks is checkReplication(), which first finishes any
   * sweep under way and so costs as much as its answer.
   */
  replicationState(now: number): ReplicationState {
    this.advance(now);
    return { ...this.pause.state(this.now), pendingCopies: this.planner.pendingCopies, pendingDeletes: this.planner.pendingDeletes };
  }

  /** Counts of what the master holds, as of the last entry point: it applies no deadline and does no work. */
  stats(): MasterStats {
    return statsOf(this.parts);
  }

  /** Replicas stored for a server, a dead one's included until its sweep drops them; 0 for an unknown server. Applies no deadline. */
  replicaCount(id: string): number {
    const record = this.servers.get(id);
    return record === undefined ? 0 : this.replicas.countOf(record.index);
  }

  /**
   * What the cheap reads in reads.ts (replicationSummary, underReplicatedPage)
   * look at, once deadlines up to `now` are applied. Unlike checkReplication()
   * it runs no sweep work, so it costs nothing right after a big death.
   */
  readView(now: number): ReadView {
    this.advance(now);
    return this.parts;
  }

  /**
   * Drains a server (undefined if unknown): it takes no new copies, its replicas stop counting towards target RF (so are
   * copied elsewhere, it a preferred source), and its copy is deleted as excess once elsewhere. `draining` for good.
   */
  drainServer(now: number, id: string): ServerView | undefined {
    this.advance(now);
    const record = this.servers.get(id);
    if (record === undefined) return undefined;
    if (!record.draining) {
      record.draining = true;
      if (this.census.counts(record.index)) this.sweeps.recount(record.index, this.replicas.chunksOf(record.index));
      this.planner.markDirty();
    }
    return serverViewOf(this.parts, record, this.now);
  }

  /**
   * Forgets a dead server: it leaves every listing, no longer counts for the
   * brake, and a later heartbeat registers it anew. Its index, and every
   * chunk that has no replica left with this server the last to hold it,
   * are freed once its reap is done (at once when it is). A live server is
   * refused: it would only register again with its next heartbeat.
   */
  forgetServer(now: number, id: string): ForgetOutcome {
    this.advance(now);
    const record = this.servers.get(id);
    if (record === undefined) return 'unknown';
    if (record.alive) return 'alive';
    this.liveness.cancel(record.index);
    this.departures.forget(record, this.now);
    this.intake.idsFreed();
    this.checkBrake(this.now);
    return 'forgotten';
  }

  /** As advance(), and reports still being applied are finished: reads of servers' lists see whole reports. */
  private advanceWhole(now: number): void {
    this.advance(now);
    while (this.intake.busy) this.intake.step(REPORT_BATCH, this.now);
  }

  private advance(now: number): void {
    // Time is monotonic: a caller's clock going backwards changes nothing.
    if (now > this.now) this.now = now;
    for (let due = this.liveness.popDue(this.now); due !== undefined; due = this.liveness.popDue(this.now)) {
      const record = this.servers.at(due.server);
      if (record.alive) this.markDead(record, due.at);
      else this.markOut(record, due.at);
    }
    this.intake.advance(this.now);
    this.command.advance(this.now);
    this.pause.advance(this.now, this.intake.lists);
    this.planner.expire(this.now);
  }

  private markDead(record: ServerRecord, at: number): void {
    const lostReplicas = this.census.counts(record.index) ? this.replicas.countOf(record.index) : 0;
    this.servers.setAlive(record, false);
    this.intake.died(record.index, at);
    this.liveness.schedule(record.index, at, this.config.deadOutMs);
    this.departures.died(record.index, () => this.planner.serverLost(record.index, at));
    this.outbox.push({ type: 'server_dead', server: record.id, at, lostReplicas });
    this.checkBrake(at);
  }

  /** Dead longer than dead_out: a replaced server must not hold the brake for good. */
  private markOut(record: ServerRecord, at: number): void {
    this.servers.setOut(record, true);
    this.outbox.push({ type: 'server_out', server: record.id, at });
    this.checkBrake(at);
  }

  private checkBrake(at: number): void {
    this.pause.checkBrake(this.servers.counted, this.servers.alive, at);
  }
}
