// Fleet capacity, a master restart: a fresh daemon (its own process) meets
// S servers holding C chunks each, heartbeating every 5 s (staggered evenly,
// liveness only) from a load generator in another process. Each obeys
// `full_report: true` by sending its full list at once (in parts of 10,000
// handles when longer). Figures: time from the first heartbeat until every
// server's full report is in and until safe mode ends, the daemon's longest
// event-loop block meanwhile, and servers falsely marked dead. Run with the
// full-report leases (default 8) and without (leases = S: every server asked
// at once), which is the baseline.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { daemonMissing } from './daemon.mjs';
import { SECTION, scale } from './fixtures/capacity-layout.mjs';
import { startLoad, startServer } from './fixtures/capacity-procs.mjs';
import { emit, parseMetrics, round, row, skipped } from './lib.mjs';

const { servers: S, chunks: C, replicas: REPLICAS, distinct: DISTINCT } = scale();
const INTERVAL_MS = 5_000;
const PART_SIZE = 10_000;
const CONNECTIONS = Number(process.env.BENCH_CAP_CONNECTIONS ?? 48);
const LEASES = 8;
// The defaults: safe mode lasts one dead timeout (15 s), at most 10 times that.
const SAFE_MODE_MS = 3 * INTERVAL_MS;
const SAFE_MODE_MAX_MS = Number(process.env.BENCH_CAP_SAFE_MODE_MAX_MS ?? 10 * SAFE_MODE_MS);
const MARGIN_MS = 15_000;
// Reports may take longer than safe mode's cap at full scale: the run waits for them up to this.
const LIMIT_MS = Math.max(SAFE_MODE_MAX_MS + MARGIN_MS, Number(process.env.BENCH_CAP_RESTART_LIMIT_MS ?? 600_000));
const POLL_MS = 200;
const BLOCK_BAR_MS = 50;
const wall = () => performance.timeOrigin + performance.now();

// BENCH_CAP_RESTART_BASELINE=0 leaves out the run without leases (up to LIMIT_MS), for looking at ours alone.
const VARIANTS = [
  { name: `with leases (${LEASES})`, leases: LEASES },
  ...(process.env.BENCH_CAP_RESTART_BASELINE === '0' ? [] : [{ name: `without leases (${S}, every server at once)`, leases: S }]),
];
const FIGURES = {
  reports: 'restart: time until every server delivered a full report',
  delivered: 'restart: servers with a full report in by the end',
  safeMode: 'restart: time until safe mode ends',
  block: 'restart: longest event-loop block in the daemon',
  deaths: 'restart: servers falsely marked dead',
};

async function scrape(url) {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return parseMetrics(await response.text());
  } catch {
    return undefined;
  }
}

async function variant({ leases }) {
  const flags = [
    '--heartbeat-interval-ms', String(INTERVAL_MS),
    '--max-full-report-leases', String(leases),
    '--safe-mode-max-ms', String(SAFE_MODE_MAX_MS),
    '--rate-limit-max', '1000000000',
    '--rate-limit-address-max', '1000000000',
  ];
  const daemon = await startServer({ mode: 'daemon', flags, timeCore: true });
  const load = startLoad({ servers: S, chunks: C, connections: CONNECTIONS });
  try {
    let progress = { deliveredCount: 0 };
    load.on((message) => {
      if (message.type === 'progress') progress = message;
    });
    await daemon.sample(true);
    const startedAt = wall();
    const deadline = startedAt + LIMIT_MS;
    const running = load.ask({ type: 'restart', url: daemon.url, intervalMs: INTERVAL_MS, partSize: PART_SIZE });
    let safeModeEndedAt;
    let replicasInAt;
    let lagMaxS = 0;
    let maxDead = 0;
    let timedOut = false;
    for (;;) {
      await sleep(POLL_MS);
      const metrics = await scrape(daemon.url);
      const at = wall();
      if (metrics !== undefined) {
        if (safeModeEndedAt === undefined && metrics.get('chunkmaster_safe_mode') === 0) safeModeEndedAt = at;
        if (replicasInAt === undefined && metrics.get('chunkmaster_live_replicas') === REPLICAS) replicasInAt = at;
        lagMaxS = Math.max(lagMaxS, metrics.get('nodejs_eventloop_lag_max_seconds') ?? 0);
        maxDead = Math.max(maxDead, metrics.get('chunkmaster_servers{state="dead"}') ?? 0);
      }
      if (safeModeEndedAt !== undefined && progress.deliveredCount === S) break;
      if (at > deadline) {
        timedOut = true;
        break;
      }
    }
    load.child.send({ type: 'halt' });
    const result = await running;
    const end = await daemon.sample(false, true);
    return { ...result, startedAt, safeModeEndedAt, replicasInAt, lagMaxMs: lagMaxS * 1000, maxDead, timedOut, end };
  } finally {
    await load.stop();
    await daemon.stop();
  }
}

const missing = daemonMissing();
if (missing !== undefined) {
  for (const figure of Object.values(FIGURES)) emit(skipped(SECTION, figure, missing));
} else {
  const results = [];
  for (const v of VARIANTS) {
    process.stderr.write(`capacity-restart: ${v.name}...\n`);
    results.push({ ...v, ...(await variant(v)) });
  }
  emitResults(results);
}

function blocksOf(r, key = 'blocks') {
  const what = (b) => {
    if (b.kind !== undefined) return ` ${b.kind}`;
    const core = b.calls === undefined ? 'core not timed' : `core ${b.coreMs} in ${b.calls} calls (${b.ticks} ticks; longest ${b.longestCallMs}, ${b.longestTicked ? 'a tick' : 'not a tick'})`;
    return b.runMs === undefined ? ` (${core})` : ` (on a CPU ${b.runMs}, waiting for one ${b.waitMs}, ${b.faults} major faults; ${core})`;
  };
  return r.end[key].map((b) => `${b.ms}@${round(b.atMs / 1000, 1)}${what(b)}`).join(' ') || 'none over 20';
}

function emitResults([ours, bare]) {
  // Each figure of the run without leases, or null when it was left out.
  const base = (figure) => (bare === undefined ? null : figure(bare));
  const since = (r, at) => (at === undefined || Number.isNaN(at) ? null : round((at - r.firstSentAt) / 1000, 2));
  const allIn = (r) => (r.deliveredCount === S ? since(r, r.lastDeliveredAt) : null);
  const describe = (r) =>
    `${r.name}: ${r.timedOut ? `TIMEOUT after ${round(LIMIT_MS / 1000, 0)} s with ${r.deliveredCount}/${S} full reports in, ` : ''}` +
    `${r.asked} asks obeyed, ${r.reportsDone} reports sent (${r.reportsFailed} failed), report p99 ${round(r.reportP99, 1)} ms, heartbeat p99 ${round(r.p99, 1)} ms, ` +
    `${r.errors} failed heartbeats${r.firstError ? ` (${r.firstError})` : ''}, send lag max ${round(r.maxSendLagMs, 0)} ms, ` +
    `all ${REPLICAS} replicas live per /metrics at ${since(r, r.replicasInAt) ?? '-'} s`;
  const common =
    `${S} servers x ${C} chunks, RF 3 (${REPLICAS} replicas, ${DISTINCT} distinct chunks), heartbeats every ${INTERVAL_MS / 1000} s staggered, liveness only, ` +
    `full lists at once when asked (parts of ${PART_SIZE}), ${CONNECTIONS} keep-alive connections from a load generator in its own process; ` +
    `times from the first heartbeat; safe mode ${SAFE_MODE_MS / 1000} s minimum, cap ${SAFE_MODE_MAX_MS / 1000} s from the daemon's start; baseline: the same restart without leases`;
  emit(row({ section: SECTION, figure: FIGURES.reports, value: allIn(ours), unit: 's', baseline: base(allIn), note: `${common}; ${describe(ours)}; ${base(describe) ?? 'baseline not run'}; informational` }));
  emit(row({
    section: SECTION, figure: FIGURES.delivered, value: ours.deliveredCount, unit: 'servers', baseline: base((r) => r.deliveredCount), bar: S, better: 'higher',
    note: 'counted by the load generator: the last part of a full report answered 200',
  }));
  emit(row({
    section: SECTION, figure: FIGURES.safeMode, value: since(ours, ours.safeModeEndedAt), unit: 's', baseline: base((r) => since(r, r.safeModeEndedAt)),
    note: `first GET /metrics (polled every ${POLL_MS} ms) with chunkmaster_safe_mode 0; ends at ${SAFE_MODE_MS / 1000} s from start at the earliest, once every live server has reported in full, or at the cap; informational`,
  }));
  emit(row({
    section: SECTION, figure: FIGURES.block, value: round(ours.end.loopMaxMs, 1), unit: 'ms', baseline: base((r) => round(r.end.loopMaxMs, 1)), bar: BLOCK_BAR_MS,
    note:
      `monitorEventLoopDelay (5 ms resolution) in the daemon process over the whole restart; ` +
      `cross-check, max nodejs_eventloop_lag_max_seconds over the scrapes: ${round(ours.lagMaxMs, 1)} / ${base((r) => round(r.lagMaxMs, 1))} ms; ` +
      `stalls the daemon credited to deadlines: ${round(ours.end.stallMs, 0)} / ${base((r) => round(r.end.stallMs, 0))} ms; ` +
      `longest blocks (ms at s since the daemon's reset just before the first heartbeat; of it, ms the main thread was on a CPU and ms it waited for one, per Linux's schedstat: the rest it slept): ${blocksOf(ours)} / ${base(blocksOf)}; ` +
      `longest GC pauses, the same way: ${blocksOf(ours, 'gcs')} / ${base((r) => blocksOf(r, 'gcs'))}; the load generator shares the machine's cores, so a block may also be the daemon descheduled`,
  }));
  emit(row({
    section: SECTION, figure: FIGURES.deaths, value: ours.end.deaths, unit: 'servers', baseline: base((r) => r.end.deaths), bar: 0,
    note: `server_dead events in the daemon (no server stops); most dead at once per /metrics: ${ours.maxDead} / ${base((r) => r.maxDead)}`,
  }));
}
