import { type CoreConfig, type CoreEvent, Master, type ReplicationState, deadTimeoutMs, defaultCoreConfig } from '../core/index.js';
import { CoreDriver } from '../runtime/driver.js';
import { Agenda } from './agenda.js';
import { Checker, type Observed } from './checks.js';
import { type FaultTarget, scheduleFaults } from './faults.js';
import { MasterLink } from './link.js';
import { Rng } from './prng.js';
import { DEFAULT_PART_SIZE, type Delivery, type ReportCount, type ReportHost, beat, restarted } from './reporting.js';
import { type ServerMode, Servers, type SimServer } from './servers.js';
import { type RunShape, type SimSummary, newSummary } from './summary.js';
import { Trace } from './trace.js';
import type { ChunkReport, HeartbeatOkBody } from './wire.js';

/** Makes the master process, at the start and on every restart: a test may hand in a rogue one. */
export type MasterFactory = (now: number, config: CoreConfig) => Master;

export interface SimOptions extends RunShape {
  core?: Partial<CoreConfig>;
  master?: MasterFactory;
  /** Keep the trace's lines in the summary, not only its hash. */
  keepTrace?: boolean;
}

/** Copies take this long, except a few that outlive the master's pending timeout. */
const COPY_MS: [number, number] = [200, 4000];
const SLOW_COPY_MS: [number, number] = [65000, 90000];
const QUIET_MS = 600000;
/**
 * Runs last minutes, not hours: full reports fall due again after 5 virtual
 * minutes (not the hour of the default), so refreshes and their leases are
 * exercised, and a delete whose answer was lost (the master waits for the
 * server's next full report to learn it was not done) settles within the
 * quiet stretch.
 */
const FULL_REPORT_INTERVAL_MS = 300_000;
/** How often, in virtual ms, the quiet stretch is checked for full replication. */
const CONVERGENCE_CHECK_MS = 5000;

const honestMaster: MasterFactory = (now, config) => new Master(now, config);

/**
 * One master (the real Master behind the real CoreDriver, on the agenda's
 * virtual clock and timers) and simulated chunk servers that talk to it in
 * protocol messages through dispatch. Servers heartbeat with jitter, obey the
 * instructions in the replies, and suffer the faults faults.ts schedules;
 * checks.ts judges every step. Everything random comes from one seeded Rng.
 */
export class Simulation implements FaultTarget, Observed, ReportHost {
  readonly rng: Rng;
  readonly agenda = new Agenda();
  readonly config: CoreConfig;
  readonly servers: Servers;
  readonly summary: SimSummary;
  readonly endMs: number;
  readonly partSize: number;
  readonly reportFaults: boolean;
  private readonly checker: Checker;
  private readonly trace: Trace;
  private readonly link: MasterLink;
  private readonly makeMaster: MasterFactory;
  /** Replaced on a master restart: the new master knows nothing until servers report. */
  private driver: CoreDriver;
  private readonly handles: string[];

  constructor(readonly options: SimOptions) {
    this.rng = new Rng(options.seed);
    this.config = defaultCoreConfig({ fullReportIntervalMs: FULL_REPORT_INTERVAL_MS, ...options.core });
    this.makeMaster = options.master ?? honestMaster;
    this.trace = new Trace(options.keepTrace);
    this.endMs = options.minutes * 60000;
    const perServer = (options.chunks * this.config.replicationFactor) / Math.max(1, options.servers);
    const report = options.report ?? 'full';
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.reportFaults = report !== 'full';
    const modeOf = (): ServerMode => (report === 'mixed' ? (this.rng.chance(0.5) ? 'incremental' : 'full') : report);
    this.servers = new Servers(options.servers, () => this.rng.int(5, 30), 40 / Math.max(1, perServer), modeOf);
    this.handles = Array.from({ length: options.chunks }, (_, i) => `ch_${String(i).padStart(6, '0')}`);
    this.checker = new Checker(this);
    this.summary = newSummary(options);
    this.driver = this.connect(this.makeMaster(0, this.config));
    this.link = new MasterLink({
      clock: this.agenda.clock,
      rng: this.rng,
      servers: this.servers,
      trace: this.trace,
      tally: this.summary.reports,
      driver: () => this.driver,
      note: (violations) => this.note(violations),
      asked: (server) => this.checker.onAsk(server),
    });
  }

  run(): SimSummary {
    this.placeChunks();
    for (const server of this.servers.all) this.startHeartbeats(server, this.rng.int(0, this.config.heartbeatIntervalMs));
    // Faults stop early enough to leave a quiet stretch (at least 10 minutes when the run allows) for recovery:
    // with every failed copy costing a pending timeout, small fleets hit hard need that long.
    const quietMs = Math.min(this.endMs, Math.max(QUIET_MS, this.endMs * 0.4));
    this.summary.faultsEndMs = this.endMs - quietMs;
    scheduleFaults(this, this.summary.faultsEndMs);
    this.agenda.at(this.summary.faultsEndMs, () => this.healAll());
    this.scheduleConvergenceChecks(this.summary.faultsEndMs);
    while (this.agenda.step(this.endMs)) {
      if (this.summary.violations.length > 0) break;
    }
    if (this.summary.violations.length === 0) {
      this.note(this.checker.atEnd(this.handles, this.summary.fullReplicationAfterMs !== undefined, this.summary.faultsEndMs));
    }
    this.driver.close();
    this.summary.reports.mostAsked = this.checker.mostAsked;
    this.summary.lostToFaults = this.handles.filter((chunk) => this.servers.copiesOf(chunk).length === 0).length;
    this.summary.traceHash = this.trace.finish();
    this.summary.traceEntries = this.trace.entries;
    this.summary.trace = this.trace.lines;
    return this.summary;
  }

  get now(): number {
    return this.agenda.now;
  }

  get masterEpoch(): number {
    return this.summary.masterRestarts;
  }

  locations(chunk: string): string[] {
    return this.driver.run((now) => this.driver.master.chunkLocations(now, chunk));
  }

  heldBy(server: string, chunks: readonly string[]): string[] {
    const { master } = this.driver;
    return this.driver.run((now) => chunks.filter((chunk) => master.chunkLocations(now, chunk).includes(server)));
  }

  replicaCount(server: string): number {
    return this.driver.master.replicaCount(server);
  }

  replicationState(): ReplicationState {
    return this.driver.run((now) => this.driver.master.replicationState(now));
  }

  countFault(kind: string): void {
    this.summary.faults.set(kind, (this.summary.faults.get(kind) ?? 0) + 1);
  }

  /** Starts a server's heartbeat loop for its current incarnation. */
  startHeartbeats(server: SimServer, delay: number): void {
    const incarnation = server.incarnation;
    const next = (): void => {
      if (!server.up || server.incarnation !== incarnation) return;
      if (!server.partitioned) beat(this, server);
      // Jitter of +-20 % keeps every gap far inside the dead timeout.
      const interval = this.config.heartbeatIntervalMs;
      this.agenda.after(this.rng.int(Math.floor(interval * 0.8), Math.ceil(interval * 1.2)), next);
    };
    this.agenda.after(delay, next);
  }

  crash(server: SimServer): void {
    server.up = false;
    server.incarnation++;
  }

  restart(server: SimServer): void {
    if (server.gone || server.up) return;
    server.up = true;
    restarted(server);
    this.startHeartbeats(server, this.rng.int(0, 1000));
  }

  restartMaster(): void {
    this.driver.close();
    this.driver = this.connect(this.makeMaster(this.now, this.config));
    this.summary.masterRestarts++;
  }

  /** The end of the fault window: every server that is not gone comes back whole. */
  healAll(): void {
    for (const server of this.servers.all) {
      server.partitioned = false;
      server.full = false;
      server.health = 'healthy';
      server.link = 'ok';
      this.restart(server);
    }
  }

  /** The master process: the real driver on virtual time, its events traced and judged. */
  private connect(master: Master): CoreDriver {
    const driver = new CoreDriver(master, this.agenda.clock, { timers: this.agenda, watchStalls: false });
    driver.onEvent((event) => this.onEvent(event));
    return driver;
  }

  private placeChunks(): void {
    const rf = Math.min(this.config.replicationFactor, this.servers.all.length);
    for (const chunk of this.handles) {
      for (const server of this.rng.sample(this.servers.all, rf)) server.disk.add(chunk);
    }
  }

  send(server: SimServer, content: ChunkReport): Delivery {
    return this.link.send(server, content);
  }

  obey(server: SimServer, reply: HeartbeatOkBody): void {
    // A read-only disk refuses deletes (and incoming copies): the master must not count on either.
    if (server.health !== 'read_only') for (const chunk of reply.chunks_to_delete ?? []) this.deleteChunk(server, chunk);
    for (const copy of reply.chunks_to_replicate ?? []) this.startCopy(server, copy.chunk, copy.target);
  }

  reported(server: SimServer, unknown: ReadonlySet<string>): void {
    for (const chunk of server.deletedUnreported) if (!unknown.has(chunk)) server.deletedUnreported.delete(chunk);
    if (unknown.size === 0) server.lostSinceReport = false;
    this.summary.reports.full++;
    // Seed-form servers send their list every few heartbeats: one whose disk, master and life are as at its last
    // checked report is held to the count alone, which keeps the check from doubling the run's cost.
    server.listed = `${this.masterEpoch}/${server.deaths}`;
    const checked = `${server.listed}/${server.diskChanges}`;
    const thorough = server.mode === 'incremental' || server.checked !== checked;
    server.checked = checked;
    this.note(this.checker.afterFullReport(server, unknown, thorough));
  }

  updated(server: SimServer): void {
    if (server.listed === `${this.masterEpoch}/${server.deaths}`) this.note(this.checker.afterChanges(server));
  }

  count(what: ReportCount): void {
    this.summary.reports[what]++;
  }

  private deleteChunk(server: SimServer, chunk: string): void {
    this.note(this.checker.beforeDelete(server, chunk));
    this.servers.drop(server, chunk);
    server.deletedUnreported.add(chunk);
    this.summary.deletes++;
    this.note(this.checker.afterDelete(server, chunk));
  }

  private startCopy(source: SimServer, chunk: string, targetId: string): void {
    this.summary.copiesOrdered++;
    const target = this.servers.get(targetId);
    this.note(this.checker.onCopyOrder(source, target, chunk));
    const [low, high] = this.rng.chance(0.03) ? SLOW_COPY_MS : COPY_MS;
    this.agenda.after(this.rng.int(low, high), () => {
      const ok = source.up && source.disk.has(chunk) && target.up && !target.gone && target.health !== 'read_only' && this.rng.chance(0.95);
      if (ok) {
        this.servers.store(target, chunk);
        this.summary.copiesDone++;
      } else {
        this.summary.copiesFailed++;
      }
    });
  }

  /** Through the quiet stretch, notes when nothing stands between the cluster and full replication any more. */
  private scheduleConvergenceChecks(from: number): void {
    const check = (): void => {
      if (this.checker.converged(this.handles)) {
        this.summary.fullReplicationAfterMs = this.now - from;
        return;
      }
      if (this.now + CONVERGENCE_CHECK_MS <= this.endMs) this.agenda.after(CONVERGENCE_CHECK_MS, check);
    };
    this.agenda.at(from, check);
  }

  private onEvent(event: CoreEvent): void {
    this.trace.add(`${this.now} event ${JSON.stringify(event)}`);
    if (event.type === 'server_dead') {
      this.summary.deaths++;
      this.servers.get(event.server).deaths++;
      this.note(this.checker.onDeath(this.servers.get(event.server), event.at, deadTimeoutMs(this.config)));
    } else if (event.type === 'server_alive' && event.revived) {
      this.summary.revivals++;
    } else if (event.type === 'brake_engaged') {
      this.summary.brakeEngaged++;
    }
  }

  private note(violations: readonly string[]): void {
    for (const violation of violations) this.summary.violations.push(`t=${this.now}ms: ${violation}`);
  }
}

export function simulate(options: SimOptions): SimSummary {
  return new Simulation(options).run();
}
