import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CoreDriver } from '../../runtime/driver.js';

/**
 * Prometheus metrics of one daemon, in a registry of its own so that several
 * apps (tests) never share counters. Core gauges are read at scrape time, so
 * they can never drift from what the routes answer.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly heartbeats: Counter<'outcome'>;
  readonly heartbeatSeconds: Histogram;
  private readonly servers: Gauge<'state'>;
  private readonly replicas: Gauge;
  private readonly underReplicated: Gauge<'priority'>;
  private readonly pendingCopies: Gauge;
  private readonly safeMode: Gauge;
  private readonly brake: Gauge;
  // Children bound once: a labels object per heartbeat shows in profiles.
  private readonly heartbeatsOk: Counter.Internal;
  private readonly heartbeatsRejected: Counter.Internal;

  constructor(private readonly driver: CoreDriver) {
    const registers = [this.registry];
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
    this.safeMode = new Gauge({ name: 'chunkmaster_safe_mode', help: '1 while in safe mode.', registers });
    this.brake = new Gauge({ name: 'chunkmaster_brake_engaged', help: '1 while the mass-failure brake holds re-replication.', registers });
  }

  /** Counts one heartbeat by outcome. */
  countHeartbeat(ok: boolean): void {
    (ok ? this.heartbeatsOk : this.heartbeatsRejected).inc();
  }

  /** Runs one heartbeat's core work and records how long it took. */
  timeHeartbeat<T>(work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.heartbeatSeconds.observe((performance.now() - started) / 1000);
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
    const { views, state, underReplicated } = this.driver.run((now) => ({
      views: master.serverStatus(now),
      state: master.replicationState(now),
      underReplicated: master.checkReplication(now),
    }));
    setCounts(this.servers, 'state', ['alive', 'dead', 'draining'], views.map((view) => view.status));
    setCounts(this.underReplicated, 'priority', ['missing', 'critical', 'normal'], underReplicated.map((entry) => entry.priority));
    // A dead server counts 0, so the sum is the replicas that count.
    this.replicas.set(views.reduce((sum, view) => sum + view.chunks, 0));
    this.pendingCopies.set(state.pendingCopies);
    this.safeMode.set(state.safeMode ? 1 : 0);
    this.brake.set(state.brakeEngaged ? 1 : 0);
  }
}

/** Sets one gauge child per label value (zeros included) to how often it occurs. */
function setCounts<L extends string>(gauge: Gauge<L>, label: L, values: readonly string[], seen: readonly string[]): void {
  const counts = new Map(values.map((value) => [value, 0]));
  for (const value of seen) counts.set(value, (counts.get(value) ?? 0) + 1);
  for (const [value, count] of counts) gauge.set({ [label]: value } as Partial<Record<L, string>>, count);
}
