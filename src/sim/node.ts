import { type CoreConfig, type CoreEvent, type Leadership, Master, type ReplicationState, deadTimeoutMs } from '../core/index.js';
import { CoreDriver } from '../runtime/driver.js';
import { STALL_PROBE_MS } from '../runtime/stalls.js';
import type { Agenda } from './agenda.js';
import { Checker, type Observed } from './checks.js';
import type { Candidate } from './election.js';
import { type Gate, MasterLink } from './link.js';
import { ProcessTimers } from './process-timers.js';
import type { Rng } from './prng.js';
import { type Delivery, type ReportCount, type ReportHost, readLate } from './reporting.js';
import type { Servers, SimServer } from './servers.js';
import type { SimSummary } from './summary.js';
import type { Trace } from './trace.js';
import type { ChunkReport, HeartbeatBody, HeartbeatOkBody } from './wire.js';

/** Makes the master process, at the start and on every restart: a test may hand in a rogue one. */
export type MasterFactory = (now: number, config: CoreConfig) => Master;

export const honestMaster: MasterFactory = (now, config) => new Master(now, config);

/** What a master process lives among: the simulated world. */
export interface Surroundings {
  readonly agenda: Agenda;
  readonly rng: Rng;
  readonly config: CoreConfig;
  readonly partSize: number;
  readonly trace: Trace;
  readonly summary: SimSummary;
  /** The server carries out the instructions of a reply it heeds. */
  carryOut(node: MasterNode, server: SimServer, reply: HeartbeatOkBody): void;
  note(violations: readonly string[]): void;
}

/** What a master of several needs from its group: the servers' epoch rule, and the election. */
export interface Group {
  /** Whether the server heeds the reply's instructions (CONTRACT 10: only of the highest epoch it has seen). */
  heeds(node: MasterNode, server: SimServer, reply: HeartbeatOkBody): boolean;
  /** The master runs again (restarted or resumed): the election tells it where things stand. */
  joined(node: MasterNode): void;
}

/** Running, crashed (its core is lost), or stopped (SIGSTOP: it runs nothing until resumed). */
export type NodeState = 'running' | 'crashed' | 'paused';

/** A heartbeat that reached a stopped master: read when it resumes. */
interface Waiting {
  server: SimServer;
  body: HeartbeatBody;
  incarnation: number;
}

/**
 * One master process: the real Master behind the real CoreDriver, on the
 * agenda's virtual clock, its events traced and judged by its own checker;
 * the servers as it sees them (with several masters each server keeps a
 * separate link to each: its ports). With several, it can also crash (and
 * start again afresh), stop for a while (its timers and the messages sent to
 * it wait; the driver's stall watch, on as in production, credits the
 * stop) and be cut off from the servers; its core hears the election.
 */
export class MasterNode implements ReportHost, Observed, Candidate {
  readonly id: string;
  readonly url: string;
  readonly checker: Checker;
  restarts = 0;
  state: NodeState = 'running';
  /** Cut off from every chunk server (it still reaches etcd). */
  cut = false;
  /** Faults do not overlap on one master: the next may start after this. */
  busyUntil = 0;
  private driver: CoreDriver;
  private readonly link: MasterLink;
  private readonly timers: ProcessTimers | undefined;
  private readonly pauses: [number, number][] = [];
  private pausedAt = 0;
  private waiting: Waiting[] = [];

  constructor(
    index: number,
    private readonly world: Surroundings,
    readonly servers: Servers,
    private readonly makeMaster: MasterFactory,
    private readonly group?: Group,
  ) {
    this.id = `m${index + 1}`;
    this.url = `http://${this.id}`;
    this.timers = group === undefined ? undefined : new ProcessTimers(world.agenda);
    this.driver = this.connect(makeMaster(this.now, world.config));
    this.checker = new Checker(this);
    this.link = new MasterLink({
      clock: world.agenda.clock,
      rng: world.rng,
      servers,
      trace: world.trace,
      tally: world.summary.reports,
      driver: () => this.driver,
      note: (violations) => this.note(violations),
      asked: (server) => this.checker.onAsk(server),
      ...(group === undefined ? {} : { name: this.id, gate: (server: SimServer, body: HeartbeatBody) => this.gate(server, body) }),
    });
  }

  get now(): number {
    return this.world.agenda.now;
  }

  get rng(): Rng {
    return this.world.rng;
  }

  get agenda(): Agenda {
    return this.world.agenda;
  }

  get config(): CoreConfig {
    return this.world.config;
  }

  get partSize(): number {
    return this.world.partSize;
  }

  get masterEpoch(): number {
    return this.restarts;
  }

  get session(): number {
    return this.restarts;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  tell(leadership: Leadership): void {
    this.driver.run((now) => this.driver.master.setLeadership(now, leadership));
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

  /**
   * Of the time from `from` to `to`, what the master was stopped for, less a
   * probe period each time (all its stall watch can tell). Asked only of a
   * master that runs (a stopped one declares nothing), so every stop has ended.
   */
  pausedMs(from: number, to: number): number {
    let total = 0;
    for (const [start, end] of this.pauses) total += Math.max(0, Math.min(to, end) - Math.max(from, start) - STALL_PROBE_MS);
    return total;
  }

  send(server: SimServer, content: ChunkReport): Delivery {
    return this.link.send(server, content);
  }

  obey(server: SimServer, reply: HeartbeatOkBody): void {
    if (this.group === undefined || this.group.heeds(this, server, reply)) this.world.carryOut(this, server, reply);
  }

  reported(server: SimServer, unknown: ReadonlySet<string>): void {
    for (const chunk of server.deletedUnreported) if (!unknown.has(chunk)) server.deletedUnreported.delete(chunk);
    if (unknown.size === 0) server.lostSinceReport = false;
    this.world.summary.reports.full++;
    // Seed-form servers send their list every few heartbeats: one whose disk, master and life are as at its last
    // checked report is held to the count alone, which keeps the check from doubling the run's cost.
    server.listed = this.listOf(server);
    const checked = `${server.listed}/${server.diskChanges}`;
    const thorough = server.mode === 'incremental' || server.checked !== checked;
    server.checked = checked;
    this.note(this.checker.afterFullReport(server, unknown, thorough));
  }

  updated(server: SimServer): void {
    if (server.listed === this.listOf(server)) this.note(this.checker.afterChanges(server));
  }

  /**
   * What the master's list of a server holds as long as it is current: this
   * master, the server's deaths, the server's process. A restarted server has
   * forgotten the changes it owed; until its full report is in, the master's
   * list may lack them, as the contract allows.
   */
  private listOf(server: SimServer): string {
    return `${this.masterEpoch}/${server.deaths}/${server.incarnation}`;
  }

  count(what: ReportCount): void {
    this.world.summary.reports[what]++;
  }

  /** The process starts again with nothing: the new master knows nothing until servers report. */
  restart(): void {
    this.driver.close();
    this.state = 'running';
    this.driver = this.connect(this.makeMaster(this.now, this.config));
    this.restarts++;
    this.world.summary.masterRestarts++;
    this.traced('started afresh');
    this.group?.joined(this);
  }

  /** Only with several masters (a lone master's restart is one step). */
  crash(): void {
    this.driver.close();
    this.state = 'crashed';
    this.timers?.drop();
    this.waiting = [];
    this.traced('crashed');
  }

  pause(): void {
    this.state = 'paused';
    this.pausedAt = this.now;
    this.timers?.hold();
    this.traced('stopped');
  }

  /** Runs again: reads the heartbeats that waited (answering them, as a stale leader would), then its timers, then the election's word. */
  resume(): void {
    this.state = 'running';
    this.pauses.push([this.pausedAt, this.now]);
    this.traced('resumed');
    const waiting = this.waiting;
    this.waiting = [];
    for (const { server, body, incarnation } of waiting) {
      this.world.summary.group.late++;
      const reply = this.link.late(server, body);
      server.lastHeard = this.now;
      readLate(server, body);
      // The server is still there to read the answer only if it has not crashed since.
      if (reply !== undefined && server.up && server.incarnation === incarnation) this.obey(server, reply);
    }
    this.timers?.release();
    this.group?.joined(this);
  }

  close(): void {
    this.driver.close();
  }

  private gate(server: SimServer, body: HeartbeatBody): Gate {
    if (this.state === 'crashed') return 'down';
    if (this.cut) return 'cut';
    if (this.state === 'running') return 'open';
    this.waiting.push({ server, body, incarnation: server.incarnation });
    return 'queued';
  }

  /** What this master's checker found; with several masters, each finding names the master. */
  note(violations: readonly string[]): void {
    this.world.note(this.group === undefined ? violations : violations.map((found) => `${this.id}: ${found}`));
  }

  private traced(what: string): void {
    if (this.group !== undefined) this.world.trace.add(`${this.now} ${this.id} ${what}`);
  }

  /**
   * The master process: the real driver on virtual time. With several
   * masters its stall watch is on (as with the real clock), and its core
   * hears at once that it follows: never told, a core would instruct alone.
   */
  private connect(master: Master): CoreDriver {
    const timers = this.timers ?? this.world.agenda;
    const driver = new CoreDriver(master, this.world.agenda.clock, { timers, watchStalls: this.group !== undefined });
    driver.onEvent((event) => this.onEvent(event));
    if (this.group !== undefined) driver.run((now) => master.setLeadership(now, { role: 'follower', epoch: 0, leader: null, until: 0 }));
    return driver;
  }

  private onEvent(event: CoreEvent): void {
    const { summary, trace } = this.world;
    trace.add(`${this.now}${this.group === undefined ? '' : ` ${this.id}`} event ${JSON.stringify(event)}`);
    if (event.type === 'server_dead') {
      summary.deaths++;
      const server = this.servers.get(event.server);
      server.deaths++;
      this.note(this.checker.onDeath(server, event.at, deadTimeoutMs(this.config)));
    } else if (event.type === 'server_alive' && event.revived) {
      summary.revivals++;
    } else if (event.type === 'brake_engaged') {
      summary.brakeEngaged++;
    }
  }
}
