import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
import { replicationSummary } from '../../core/index.js';
import type { CoreDriver } from '../../runtime/driver.js';

/**
 * Prometheus metrics of one daemon, in a registry of its own so that several
 * apps (tests) never share counters. Core gauges are set at scrape time from
 * the core's cheap summary (O(servers), never O(chunks), and never the sweep
 * work that checkReplication() would finish first), so a scrape right after
 * a big death costs no more than any other.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly heartbeats: Counter<'outcome'>;
  readonly heartbeatSeconds: Histogram;
  private readonly servers: Gauge<'state'>;
  private readonly replicas: Gauge;
  private readonly underReplicated: Gauge<'priority'>;
  private readonly pendingCopies: Gauge;
  private readonly pendingDeletes: Gauge;
  private readonly replicasToSweep: Gauge;
  private readonly safeMode: Gauge;
  private readonly brake: Gauge;
  // Children bound once: a labels object per heartbeat shows in profiles.
  private readonly heartbeatsOk: Counter.Internal;
  private readonly heartbeatsRejected: Counter.Internal;

  constructor(
    private readonly driver: CoreDriver,
    /** Log lines dropped so far because the log sink did not keep up. */
    logDrops: () => number = () => 0,
    /** One of several masters: its role and the leader's term are exported too. */
    grouped = false,
  ) {
    const registers = [this.registry];
    if (grouped) this.leadershipGauges(driver);
    new Counter({
      name: 'chunkmaster_log_lines_dropped_total',
      help: 'Log lines dropped because the log sink (stderr) was stuck or too slow; logging never blocks the daemon.',
      registers,
      collect() {
        this.reset();
        this.inc(logDrops());
      },
    });
    new Counter({
      name: 'chunkmaster_stall_seconds_total',
      help: "Time the master itself could not listen (GC, long steps, blocked writes), credited to every server's deadline.",
      registers,
      collect() {
        this.reset();
        this.inc(driver.stallMs / 1000);
      },
    });
    // process_* and nodejs_*: CPU, memory, event-loop lag, GC, handles.
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters fail promtool's lint; the same counts stay, by type, without the suffix.
    for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    this.heartbeats = new Counter({
      name: 'chunkmaster_heartbeats_received_total',
      help: 'Heartbeats received over HTTP and WebSocket, by outcome (ok, rejected).',
      labelNames: ['outcome'],
      registers,
    });
    this.heartbeatSeconds = new Histogram({
      name: 'chunkmaster_heartbeat_handling_seconds',
      help: 'Time to apply one heartbeat to the core, report included.',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.heartbeatsOk = this.heartbeats.labels('ok');
    this.heartbeatsRejected = this.heartbeats.labels('rejected');
    this.servers = new Gauge({ name: 'chunkmaster_servers', help: 'Known chunk servers by state.', labelNames: ['state'], registers });
    this.replicas = new Gauge({ name: 'chunkmaster_live_replicas', help: 'Replicas on live servers.', registers });
    this.underReplicated = new Gauge({
      name: 'chunkmaster_under_replicated_chunks',
      help: 'Under-replicated chunks by priority.',
      labelNames: ['priority'],
      registers,
    });
    this.pendingCopies = new Gauge({ name: 'chunkmaster_pending_copies', help: 'Copies planned and not yet confirmed.', registers });
    this.pendingDeletes = new Gauge({ name: 'chunkmaster_pending_deletes', help: 'Deletes planned and not yet confirmed.', registers });
    this.replicasToSweep = new Gauge({
      name: 'chunkmaster_sweep_replicas',
      help: "Dead servers' replicas not yet dropped; until 0, under-replicated counts lag behind the death.",
      registers,
    });
    this.safeMode = new Gauge({ name: 'chunkmaster_safe_mode', help: '1 while in safe mode.', registers });
    this.brake = new Gauge({ name: 'chunkmaster_brake_engaged', help: '1 while the mass-failure brake holds re-replication.', registers });
  }

  private leadershipGauges(driver: CoreDriver): void {
    const registers = [this.registry];
    const view = () => driver.run((now) => driver.master.leadership(now));
    new Gauge({
      name: 'chunkmaster_leader',
      help: '1 while this master leads its group and may instruct, else 0.',
      registers,
      collect() {
        this.set(view()?.role === 'leader' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'chunkmaster_epoch',
      help: "The leader's term as this master knows it (0 before any).",
      registers,
      collect() {
        this.set(view()?.epoch ?? 0);
      },
    });
  }

  /**
   * Counts one heartbeat: ok when it was answered with its result, rejected
   * when with an error. HTTP and WebSocket count by this rule alone, through
   * heartbeat() below or, for one refused before its handling, directly.
   */
  countHeartbeat(ok: boolean): void {
    (ok ? this.heartbeatsOk : this.heartbeatsRejected).inc();
  }

  /** Runs one heartbeat's handling, timed: counted ok when it returns, rejected when it throws. */
  heartbeat<T>(handle: () => T): T {
    const started = performance.now();
    let ok = false;
    try {
      const result = handle();
      ok = true;
      return result;
    } finally {
      this.heartbeatSeconds.observe((performance.now() - started) / 1000);
      this.countHeartbeat(ok);
    }
  }

  async text(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private refresh(): void {
    const master = this.driver.master;
    const summary = this.driver.run((now) => replicationSummary(master, now));
    for (const [state, count] of Object.entries(summary.servers)) this.servers.set({ state }, count);
    for (const [priority, count] of Object.entries(summary.underReplicated)) this.underReplicated.set({ priority }, count);
    this.replicas.set(summary.liveReplicas);
    this.pendingCopies.set(summary.pendingCopies);
    this.pendingDeletes.set(summary.pendingDeletes);
    this.replicasToSweep.set(summary.replicasToSweep);
    this.safeMode.set(summary.safeMode ? 1 : 0);
    this.brake.set(summary.brakeEngaged ? 1 : 0);
  }
}
