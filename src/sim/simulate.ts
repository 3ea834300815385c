import { type CoreConfig, type CoreEvent, Master, type ReplicateInstruction, deadTimeoutMs, defaultCoreConfig } from '../core/index.js';
import { Agenda } from './agenda.js';
import { Checker } from './checks.js';
import { scheduleFaults } from './faults.js';
import { Fleet, type SimServer } from './fleet.js';
import { Rng } from './prng.js';

export interface SimOptions {
  seed: number;
  servers: number;
  chunks: number;
  minutes: number;
  core?: Partial<CoreConfig>;
}

export interface SimSummary {
  seed: number;
  servers: number;
  chunks: number;
  minutes: number;
  faults: Map<string, number>;
  deaths: number;
  revivals: number;
  copiesOrdered: number;
  copiesDone: number;
  copiesFailed: number;
  deletes: number;
  brakeEngaged: number;
  masterRestarts: number;
  faultsEndMs: number;
  /** Virtual ms from the end of faults to full replication; undefined if never reached. */
  fullReplicationAfterMs: number | undefined;
  /** Chunks every copy of which was destroyed by faults (never by an instruction). */
  lostToFaults: number;
  violations: string[];
}

/** Copies take this long, except a few that outlive the master's pending timeout. */
const COPY_MS: [number, number] = [200, 4000];
const SLOW_COPY_MS: [number, number] = [65000, 90000];
const QUIET_MS = 600000;
const FULL_REPORT_CHANCE = 0.6;

/**
 * One master (the real Master class) and a fleet of simulated chunk servers
 * on virtual time. Servers heartbeat with jitter, obey the instructions in
 * the replies, and suffer the faults faults.ts schedules; checks.ts judges
 * every step. Everything random comes from one seeded Rng.
 */
export class Simulation {
  readonly rng: Rng;
  readonly agenda = new Agenda();
  readonly config: CoreConfig;
  /** Replaced on a master restart: the new one knows nothing until servers report. */
  master: Master;
  readonly fleet: Fleet;
  readonly checker: Checker;
  readonly summary: SimSummary;
  readonly endMs: number;
  private readonly handles: string[];
  private tickAt: number | undefined;

  constructor(readonly options: SimOptions) {
    this.rng = new Rng(options.seed);
    this.config = defaultCoreConfig(options.core ?? {});
    this.master = new Master(0, this.config);
    this.endMs = options.minutes * 60000;
    const perServer = (options.chunks * this.config.replicationFactor) / Math.max(1, options.servers);
    this.fleet = new Fleet(options.servers, () => this.rng.int(5, 30), 40 / Math.max(1, perServer));
    this.handles = Array.from({ length: options.chunks }, (_, i) => `ch_${String(i).padStart(6, '0')}`);
    this.checker = new Checker(this);
    this.summary = {
      seed: options.seed,
      servers: options.servers,
      chunks: options.chunks,
      minutes: options.minutes,
      faults: new Map(),
      deaths: 0,
      revivals: 0,
      copiesOrdered: 0,
      copiesDone: 0,
      copiesFailed: 0,
      deletes: 0,
      brakeEngaged: 0,
      masterRestarts: 0,
      faultsEndMs: 0,
      fullReplicationAfterMs: undefined,
      lostToFaults: 0,
      violations: [],
    };
  }

  run(): SimSummary {
    this.placeChunks();
    for (const server of this.fleet.servers) this.startHeartbeats(server, this.rng.int(0, this.config.heartbeatIntervalMs));
    // Faults stop early enough to leave a quiet stretch (at least 10 minutes when the run allows) for recovery:
    // with every failed copy costing a pending timeout, small fleets hit hard need that long.
    const quietMs = Math.min(this.endMs, Math.max(QUIET_MS, this.endMs * 0.4));
    this.summary.faultsEndMs = this.endMs - quietMs;
    scheduleFaults(this, this.summary.faultsEndMs);
    this.agenda.at(this.summary.faultsEndMs, () => this.healAll());
    this.checker.scheduleConvergenceChecks(this.summary.faultsEndMs, this.endMs);
    this.pumpMaster();
    while (this.agenda.step(this.endMs)) {
      this.pumpMaster();
      if (this.summary.violations.length > 0) break;
    }
    if (this.summary.violations.length === 0) this.checker.atEnd(this.handles);
    this.summary.lostToFaults = this.handles.filter((chunk) => this.fleet.copiesOf(chunk).length === 0).length;
    return this.summary;
  }

  get now(): number {
    return this.agenda.now;
  }

  get chunkHandles(): readonly string[] {
    return this.handles;
  }

  countFault(kind: string): void {
    this.summary.faults.set(kind, (this.summary.faults.get(kind) ?? 0) + 1);
  }

  /** Starts a server's heartbeat loop for its current incarnation. */
  startHeartbeats(server: SimServer, delay: number): void {
    const incarnation = server.incarnation;
    const beat = (): void => {
      if (!server.up || server.incarnation !== incarnation) return;
      if (!server.partitioned) this.heartbeat(server);
      // Jitter of +-20 % keeps every gap far inside the dead timeout.
      const interval = this.config.heartbeatIntervalMs;
      this.agenda.after(this.rng.int(Math.floor(interval * 0.8), Math.ceil(interval * 1.2)), beat);
    };
    this.agenda.after(delay, beat);
  }

  crash(server: SimServer): void {
    server.up = false;
    server.incarnation++;
  }

  restart(server: SimServer): void {
    if (server.gone || server.up) return;
    server.up = true;
    this.startHeartbeats(server, this.rng.int(0, 1000));
  }

  /** The master process restarts: all its state is lost; chunk servers carry on. */
  restartMaster(): void {
    this.drainEvents();
    this.master = new Master(this.now, this.config);
    this.tickAt = undefined;
    this.summary.masterRestarts++;
  }

  /** The end of the fault window: every server that is not gone comes back whole. */
  healAll(): void {
    for (const server of this.fleet.servers) {
      server.partitioned = false;
      server.full = false;
      server.health = 'healthy';
      this.restart(server);
    }
  }

  private placeChunks(): void {
    const rf = Math.min(this.config.replicationFactor, this.fleet.servers.length);
    for (const chunk of this.handles) {
      for (const server of this.rng.sample(this.fleet.servers, rf)) server.disk.add(chunk);
    }
  }

  /**
   * Like GFS chunk servers, a full chunk list rides on only some heartbeats
   * (the contract makes it optional); the others are liveness only.
   */
  private heartbeat(server: SimServer): void {
    const report = this.rng.chance(FULL_REPORT_CHANCE);
    const reply = this.master.heartbeat(this.now, {
      server: server.id,
      chunks: report ? [...server.disk] : undefined,
      diskUsagePct: this.fleet.diskPct(server),
      health: server.health,
    });
    this.drainEvents();
    server.lastHeard = this.now;
    if (report) {
      server.lostSinceReport = false;
      server.deletedUnreported.clear();
    }
    // A read-only disk refuses deletes (and incoming copies): the master must not count on either.
    if (server.health !== 'read_only') for (const chunk of reply.chunksToDelete) this.deleteChunk(server, chunk);
    for (const copy of reply.chunksToReplicate) this.startCopy(server, copy);
  }

  private deleteChunk(server: SimServer, chunk: string): void {
    this.checker.beforeDelete(server, chunk);
    server.disk.delete(chunk);
    server.deletedUnreported.add(chunk);
    this.summary.deletes++;
    this.checker.afterDelete(server, chunk);
  }

  private startCopy(source: SimServer, copy: ReplicateInstruction): void {
    this.summary.copiesOrdered++;
    const target = this.fleet.get(copy.target);
    this.checker.onCopyOrder(source, target, copy.chunk);
    const [low, high] = this.rng.chance(0.03) ? SLOW_COPY_MS : COPY_MS;
    this.agenda.after(this.rng.int(low, high), () => {
      const ok = source.up && source.disk.has(copy.chunk) && target.up && !target.gone && target.health !== 'read_only' && this.rng.chance(0.95);
      if (ok) {
        target.disk.add(copy.chunk);
        this.summary.copiesDone++;
      } else {
        this.summary.copiesFailed++;
      }
    });
  }

  /** Runs every tick() due now and keeps one agenda entry for the master's next deadline. */
  private pumpMaster(): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const due = this.master.nextDeadline();
      if (due === undefined || due > this.now) break;
      this.master.tick(this.now);
      this.drainEvents();
    }
    const next = this.master.nextDeadline();
    if (next !== undefined && (this.tickAt === undefined || next < this.tickAt || this.tickAt <= this.now)) {
      this.tickAt = next;
      this.agenda.at(next, () => undefined);
    }
  }

  private drainEvents(): void {
    for (const event of this.master.takeEvents()) this.onEvent(event);
  }

  private onEvent(event: CoreEvent): void {
    if (event.type === 'server_dead') {
      this.summary.deaths++;
      this.checker.onDeath(this.fleet.get(event.server), event.at, deadTimeoutMs(this.config));
    } else if (event.type === 'server_alive' && event.revived) {
      this.summary.revivals++;
    } else if (event.type === 'brake_engaged') {
      this.summary.brakeEngaged++;
    }
  }
}

export function simulate(options: SimOptions): SimSummary {
  return new Simulation(options).run();
}
