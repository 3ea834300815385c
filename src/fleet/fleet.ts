import type { Static } from '@sinclair/typebox';
import { request } from 'undici';
import { type Clock, monotonicClock } from '../runtime/clock.js';
import type { FleetConfig } from '../runtime/config.js';
import type { ServerEntryVerbose } from '../transport/http/schemas.js';
import { type ChunkServer, ChunkServers, type HeartbeatAnswer } from './chunk-servers.js';
import { type MasterLink, ServerGates, linkMasters, openTransports } from './masters.js';
import type { Sent } from './reports.js';
import { FleetStats } from './stats.js';
import { type HeartbeatTransport, authHeaders } from './transport.js';

export interface FleetIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Aborting stops the run early (the summary is still printed). */
  signal?: AbortSignal;
  clock?: Clock;
  /** Called every second with the live counters, instead of the progress line on stderr. */
  progress?: (stats: FleetStats, elapsedMs: number) => void;
  /** Called once with the simulated servers, before the first heartbeat: their disks can be read after the run. */
  inspect?: (fleet: ChunkServers) => void;
}

const PROGRESS_MS = 1000;
const PLAIN_PROGRESS_EVERY = 5;
const DRAIN_MS = 2000;

/**
 * Runs simulated chunk servers against a master, or several (each gets every
 * heartbeat), until the configured duration ends or `io.signal` aborts;
 * prints progress on stderr and the summary on stdout, and returns the counters.
 */
export async function runFleet(config: FleetConfig, token: string | undefined, io: FleetIo): Promise<FleetStats> {
  const transports = await openTransports(config, token);
  const run = new FleetRun(config, token, transports, io);
  try {
    await run.done;
  } finally {
    await Promise.all(transports.map((transport) => transport.close()));
  }
  return run.stats;
}

class FleetRun {
  readonly stats = new FleetStats();
  readonly done: Promise<void>;
  private readonly fleet: ChunkServers;
  private readonly masters: MasterLink[];
  private readonly gates = new ServerGates();
  /** Replicas each server gains and loses per heartbeat. */
  private readonly churnPerBeat: number;
  private readonly clock: Clock;
  private readonly startedAt: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly watched: ChunkServer[] = [];
  /** Servers whose heartbeat chain is scheduled; a silent one leaves at its next beat. */
  private readonly beating = new Set<ChunkServer>();
  private stopped = false;
  private progressCount = 0;
  private finish!: () => void;

  constructor(
    private readonly config: FleetConfig,
    private readonly token: string | undefined,
    transports: readonly HeartbeatTransport[],
    private readonly io: FleetIo,
  ) {
    this.clock = io.clock ?? monotonicClock;
    const { replicationFactor, urls } = config;
    this.fleet = new ChunkServers(config.servers, config.chunksPerServer, { replicationFactor, masters: urls.length });
    this.masters = linkMasters(transports, this.fleet, config, this.stats);
    this.churnPerBeat = (config.churnPerMin * config.intervalMs) / 60_000;
    io.inspect?.(this.fleet);
    this.startedAt = this.clock.now();
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.start();
  }

  private start(): void {
    const { servers, intervalMs, durationMs, kill } = this.config;
    // Spread first heartbeats over one interval, as servers booted at random would.
    this.fleet.servers.forEach((server, i) => this.at(this.startedAt + (i / servers) * intervalMs, (due) => this.beat(server, due)));
    this.every(PROGRESS_MS, () => this.progress());
    if (kill !== undefined) this.at(this.startedAt + kill.atMs, () => this.kill(kill.count));
    if (durationMs > 0) this.at(this.startedAt + durationMs, () => void this.stop());
    if (this.io.signal?.aborted) void this.stop();
    this.io.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  /** Runs `work(dueAt)` at `dueAt` on the fleet's clock unless stopped. */
  private at(dueAt: number, work: (dueAt: number) => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) work(dueAt);
    }, Math.max(0, dueAt - this.clock.now()));
    this.timers.add(timer);
  }

  private every(periodMs: number, work: () => void): void {
    const tick = (due: number) => {
      work();
      this.at(due + periodMs, tick);
    };
    this.at(this.startedAt + periodMs, tick);
  }

  private beat(server: ChunkServer, dueAt: number): void {
    if (server.silent) {
      this.beating.delete(server);
      return;
    }
    this.beating.add(server);
    this.at(dueAt + this.config.intervalMs, (next) => this.beat(server, next));
    // Disks change whether or not the master hears of it.
    if (this.churnPerBeat > 0) this.fleet.churn(server, this.churnPerBeat);
    for (const master of this.masters) {
      if (master.inFlight.has(server)) this.stats.skipped++;
      else this.send(server, master);
    }
  }

  /**
   * One heartbeat to `master` now. A full report asked for, and each part
   * after the first, follow the answer at once rather than a heartbeat
   * later: one part an interval would let a list of more than a dozen parts
   * outlive pending_timeout, and a report lease sit idle.
   */
  private send(server: ChunkServer, master: MasterLink): void {
    const sentAt = this.clock.now();
    server.lastSentAt = sentAt;
    this.stats.sent++;
    const { body, sent } = master.reporter.next(server);
    const exchange = master.transport.send(body).then(
      (answer) => this.answered(server, master, { sent, sentAt }, answer),
      (error: unknown) => {
        this.stats.failed++;
        master.counts.failed++;
        const message = (error as Error).message;
        this.stats.lastError = this.masters.length > 1 ? `${master.url}: ${message}` : message;
      },
    );
    master.inFlight.set(server, exchange.finally(() => master.inFlight.delete(server)));
  }

  private answered(server: ChunkServer, master: MasterLink, { sent, sentAt }: { sent: Sent; sentAt: number }, answer: HeartbeatAnswer): void {
    this.stats.ok++;
    master.counts.answered++;
    this.stats.latenciesMs.push(this.clock.now() - sentAt);
    master.reporter.accepted(server, sent, answer);
    this.obey(server, master, answer);
    if (master.reporter.owesReport(server)) master.inFlight.get(server)?.then(() => this.stopped || server.silent || this.send(server, master));
  }

  /** Carries out the answer's copies and deletes, unless the server has seen a newer epoch than the answer's (CONTRACT 10). */
  private obey(server: ChunkServer, master: MasterLink, answer: HeartbeatAnswer): void {
    if (answer.epoch !== undefined) {
      master.counts.epoch = answer.epoch;
      master.counts.role = answer.role;
    }
    const instructions = answer.chunks_to_delete.length + answer.chunks_to_replicate.length;
    if (!this.gates.admits(server, answer.epoch)) {
      this.stats.staleInstructionsIgnored += instructions;
      master.counts.staleInstructionsIgnored += instructions;
      return;
    }
    this.stats.obeyed(master.counts, answer.epoch, this.gates.newest, instructions);
    const applied = this.fleet.apply(server, answer);
    this.stats.copies += applied.copies;
    this.stats.copiesFailed += applied.copiesFailed;
    this.stats.deletes += applied.deletes;
  }

  private kill(count: number): void {
    const silenced = this.fleet.silence(count);
    this.stats.killed += silenced.length;
    this.stats.killedServers.push(...silenced.map((server) => server.id));
    this.watched.push(...silenced);
    this.every(Math.min(500, Math.max(50, this.config.intervalMs / 4)), () => void this.watchDeaths());
    this.io.progress?.(this.stats, this.clock.now() - this.startedAt);
    if (this.config.reviveAfterMs > 0) this.at(this.clock.now() + this.config.reviveAfterMs, (due) => this.revive(silenced, due));
  }

  /** Brings silenced servers back: each reports its full chunk list again at once, as a rebooted server does. */
  private revive(servers: ChunkServer[], due: number): void {
    this.fleet.revive(servers);
    for (const master of this.masters) for (const server of servers) master.reporter.restart(server);
    this.stats.revived += servers.length;
    // One still watched was never seen dead: it no longer counts as a death to see.
    const back = new Set(servers);
    this.watched.splice(0, this.watched.length, ...this.watched.filter((server) => !back.has(server)));
    // One revived before its chain noticed the silence just carries on.
    for (const server of servers) if (!this.beating.has(server)) this.beat(server, due);
    this.io.progress?.(this.stats, this.clock.now() - this.startedAt);
  }

  /** Asks the masters about each silenced server until one says dead: a follower detects deaths as the leader does. */
  private async watchDeaths(): Promise<void> {
    const pending = this.watched.splice(0, this.watched.length);
    const stillAlive = await Promise.all(pending.map(async (server) => ((await this.isDead(server)) ? undefined : server)));
    for (const server of stillAlive) if (server !== undefined) this.watched.push(server);
  }

  private async isDead(server: ChunkServer): Promise<boolean> {
    const verdicts = await Promise.all(this.masters.map((master) => this.saysDead(master.url, server)));
    if (!verdicts.includes(true)) return false;
    this.stats.deathsSeen++;
    if (server.lastSentAt !== undefined) this.stats.detectionMs.push(this.clock.now() - server.lastSentAt);
    return true;
  }

  private async saysDead(url: string, server: ChunkServer): Promise<boolean> {
    try {
      const response = await request(`${url}/servers/${encodeURIComponent(server.id)}`, { headers: authHeaders(this.token) });
      // An error body is read too, to free the connection; it has no status.
      const view = (await response.body.json()) as Partial<Static<typeof ServerEntryVerbose>>;
      return response.statusCode === 200 && view.status === 'dead';
    } catch {
      return false;
    }
  }

  private progress(): void {
    if (this.io.progress) {
      this.io.progress(this.stats, this.clock.now() - this.startedAt);
      return;
    }
    const line = this.stats.progressLine(this.clock.now() - this.startedAt);
    if (this.io.stderr.isTTY) this.io.stderr.write(`\r\x1b[K${line}`);
    else if (++this.progressCount % PLAIN_PROGRESS_EVERY === 0) this.io.stderr.write(`${line}\n`);
  }

  private async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    let drained: NodeJS.Timeout | undefined;
    const inFlight = this.masters.flatMap((master) => [...master.inFlight.values()]);
    await Promise.race([Promise.all(inFlight), new Promise((resolve) => (drained = setTimeout(resolve, DRAIN_MS)))]);
    clearTimeout(drained);
    if (this.io.stderr.isTTY) this.io.stderr.write('\n');
    this.io.stdout.write(this.stats.summary(this.clock.now() - this.startedAt));
    this.finish();
  }
}
