import { type CoreConfig, defaultCoreConfig } from '../core/index.js';
import { Agenda } from './agenda.js';
import { type FaultTarget, scheduleFaults } from './faults.js';
import { MasterGroup } from './group.js';
import { type MasterFactory, type MasterNode, type Surroundings, honestMaster } from './node.js';
import { Rng } from './prng.js';
import { DEFAULT_PART_SIZE, beat, restarted } from './reporting.js';
import { type ServerMode, Servers, type SimServer } from './servers.js';
import { type RunShape, type SimSummary, newSummary } from './summary.js';
import { Trace } from './trace.js';
import type { HeartbeatOkBody } from './wire.js';
import { EpochGate } from '../fleet/epochs.js';

export type { MasterFactory } from './node.js';

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

/**
 * One master (the real Master behind the real CoreDriver, on the agenda's
 * virtual clock and timers; node.ts), or several and their election
 * (group.ts), and simulated chunk servers that talk to each in protocol
 * messages through dispatch. Servers heartbeat with jitter, obey the
 * instructions in the replies, and suffer the faults faults.ts schedules;
 * checks.ts judges every step. Everything random comes from one seeded Rng.
 */
export class Simulation implements FaultTarget, Surroundings {
  readonly rng: Rng;
  readonly agenda = new Agenda();
  readonly config: CoreConfig;
  readonly servers: Servers;
  readonly summary: SimSummary;
  readonly endMs: number;
  readonly partSize: number;
  readonly reportFaults: boolean;
  readonly trace: Trace;
  readonly masters: MasterGroup;
  private readonly handles: string[];

  constructor(readonly options: SimOptions) {
    this.rng = new Rng(options.seed);
    this.config = defaultCoreConfig({ fullReportIntervalMs: FULL_REPORT_INTERVAL_MS, ...options.core });
    this.trace = new Trace(options.keepTrace);
    this.endMs = options.minutes * 60000;
    const perServer = (options.chunks * this.config.replicationFactor) / Math.max(1, options.servers);
    const report = options.report ?? 'full';
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.reportFaults = report !== 'full';
    const modeOf = (): ServerMode => (report === 'mixed' ? (this.rng.chance(0.5) ? 'incremental' : 'full') : report);
    this.servers = new Servers(options.servers, () => this.rng.int(5, 30), 40 / Math.max(1, perServer), modeOf);
    this.handles = Array.from({ length: options.chunks }, (_, i) => `ch_${String(i).padStart(6, '0')}`);
    this.summary = newSummary(options);
    this.masters = new MasterGroup(this, this.servers, options.masters ?? 1, options.master ?? honestMaster);
  }

  /** With several masters: their processes and election, for the faults of CONTRACT 10. */
  get group(): MasterGroup | undefined {
    return this.masters.election === undefined ? undefined : this.masters;
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
    this.masters.start();
    while (this.agenda.step(this.endMs)) {
      if (this.summary.violations.length > 0) break;
    }
    if (this.summary.violations.length === 0) {
      const judge = this.masters.judge();
      if (judge === undefined) this.note(['no master leads at the end of the run']);
      else this.note(judge.atEnd(this.handles, this.summary.fullReplicationAfterMs !== undefined, this.summary.faultsEndMs));
      this.note(this.masters.standbys(this.handles, this.summary.faultsEndMs));
    }
    this.masters.close();
    this.summary.reports.mostAsked = Math.max(...this.masters.nodes.map((node) => node.checker.mostAsked));
    this.summary.group.elections = this.masters.election?.elections ?? 0;
    this.summary.group.epochsObeyed = this.masters.epochs.obeyed.size;
    this.summary.lostToFaults = this.handles.filter((chunk) => this.servers.copiesOf(chunk).length === 0).length;
    this.summary.traceHash = this.trace.finish();
    this.summary.traceEntries = this.trace.entries;
    this.summary.trace = this.trace.lines;
    return this.summary;
  }

  get now(): number {
    return this.agenda.now;
  }

  countFault(kind: string): void {
    this.summary.faults.set(kind, (this.summary.faults.get(kind) ?? 0) + 1);
  }

  /** Starts a server's heartbeat loops, one to each master, for its current incarnation. */
  startHeartbeats(server: SimServer, delay: number): void {
    const [first, ...others] = this.masters.nodes as [MasterNode, ...MasterNode[]];
    this.heartbeatLoop(first, server, delay);
    for (const node of others) this.heartbeatLoop(node, node.servers.get(server.id), this.rng.int(0, this.config.heartbeatIntervalMs));
  }

  private heartbeatLoop(node: MasterNode, server: SimServer, delay: number): void {
    const incarnation = server.incarnation;
    const next = (): void => {
      if (!server.up || server.incarnation !== incarnation) return;
      if (!server.partitioned) beat(node, server);
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
    // A new process: it remembers no epoch, and reports afresh to each master.
    server.epochs = new EpochGate();
    for (const port of server.ports) restarted(port);
    this.startHeartbeats(server, this.rng.int(0, 1000));
  }

  /** The lone master restarts (with several, their own faults act instead). */
  restartMaster(): void {
    this.masters.nodes[0]?.restart();
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
    this.masters.heal();
  }

  private placeChunks(): void {
    const rf = Math.min(this.config.replicationFactor, this.servers.all.length);
    for (const chunk of this.handles) {
      for (const server of this.rng.sample(this.servers.all, rf)) server.disk.add(chunk);
    }
  }

  /** A reply the server heeds: it carries out the instructions (each judged by the checker of the master that gave them). */
  carryOut(node: MasterNode, server: SimServer, reply: HeartbeatOkBody): void {
    // A read-only disk refuses deletes (and incoming copies): the master must not count on either.
    if (server.health !== 'read_only') for (const chunk of reply.chunks_to_delete ?? []) this.deleteChunk(node, server, chunk);
    for (const copy of reply.chunks_to_replicate ?? []) this.startCopy(node, server, copy.chunk, copy.target);
  }

  /** Every master will have to hear of the delete: until it does, its count of the chunk is too high. */
  private deleteChunk(node: MasterNode, server: SimServer, chunk: string): void {
    node.note(node.checker.beforeDelete(server, chunk));
    this.servers.drop(server, chunk);
    for (const port of server.ports) port.deletedUnreported.add(chunk);
    this.summary.deletes++;
    node.note(node.checker.afterDelete(server, chunk));
  }

  private startCopy(node: MasterNode, source: SimServer, chunk: string, targetId: string): void {
    this.summary.copiesOrdered++;
    const target = node.servers.get(targetId);
    node.note(node.checker.onCopyOrder(source, target, chunk));
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
      if (this.masters.judge()?.converged(this.handles) === true) {
        this.summary.fullReplicationAfterMs = this.now - from;
        return;
      }
      if (this.now + CONVERGENCE_CHECK_MS <= this.endMs) this.agenda.after(CONVERGENCE_CHECK_MS, check);
    };
    this.agenda.at(from, check);
  }

  note(violations: readonly string[]): void {
    for (const violation of violations) this.summary.violations.push(`t=${this.now}ms: ${violation}`);
  }
}

export function simulate(options: SimOptions): SimSummary {
  return new Simulation(options).run();
}
