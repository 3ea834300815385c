// Fleet capacity, steady state: the daemon holding S servers x C chunks
// (RF 3), taking incremental heartbeats of 10 changes each over keep-alive
// HTTP from a load generator in another process, against a bare node:http
// server that reads and parses the same bodies. Both servers are up for the
// whole section, each alone in its process; runs alternate (bare, ours, ...)
// and the medians are compared. CPU per heartbeat is the server process's
// own process.cpuUsage() over the measured window divided by the heartbeats
// answered in it, and gives the largest fleet one core carries at a 5 s
// heartbeat interval on half a core.
import { daemonMissing } from './daemon.mjs';
import { SECTION, scale } from './fixtures/capacity-layout.mjs';
import { startLoad, startServer } from './fixtures/capacity-procs.mjs';
import { emit, median, round, row, skipped } from './lib.mjs';

const { servers: S, chunks: C, replicas: REPLICAS, distinct: DISTINCT } = scale();
const SECONDS = Number(process.env.BENCH_CAP_SECONDS ?? 10);
const WARMUP_S = Number(process.env.BENCH_CAP_WARMUP_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_CAP_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CAP_CONNECTIONS ?? 48);
const CHANGES = 5;
const INTERVAL_MS = 5_000;
const CORE_SHARE = 0.5;
const FLEET_BAR = 10_000;
// Each server is heard once per rotation in our runs, and not at all while
// the bare server is measured: the dead timeout covers a bare run and one of
// ours with room to spare, so a death says the daemon fell behind.
const DEAD_AFTER_MISSED = Math.max(3, Math.ceil((2 * (WARMUP_S + SECONDS) + 15) / (INTERVAL_MS / 1000)));
const FLAGS = [
  '--heartbeat-interval-ms', String(INTERVAL_MS),
  '--dead-after-missed', String(DEAD_AFTER_MISSED),
  // The steady state long after start: no safe mode to wait out.
  '--safe-mode-ms', '0',
  // One load generator on one address stands for the whole fleet.
  '--rate-limit-max', '1000000000',
  '--rate-limit-address-max', '1000000000',
];
const scaleNote = `${S} servers x ${C} chunks, RF 3 (${REPLICAS} replicas, ${DISTINCT} distinct chunks)`;

const FIGURES = {
  preload: `preload: ${S} full reports of ${C} chunks through the heartbeat handler`,
  rate: `incremental heartbeats per second (${CHANGES} added + ${CHANGES} removed), ${S} x ${C} state`,
  cpu: 'server CPU per incremental heartbeat',
  p99: 'incremental heartbeat latency p99',
  fleet: `largest fleet one core carries at a ${INTERVAL_MS / 1000} s interval on ${CORE_SHARE * 100}% of a core`,
  dead: 'servers marked dead during the runs',
};

/** The server's samples at the load's marks: the measured window opens and closes. */
let marks = [];
let marked;

async function measure(server, load, target) {
  marks = [];
  marked = server;
  const run = await load.ask({ type: 'churn', url: server.url, target, warmupS: WARMUP_S, seconds: SECONDS, changes: CHANGES });
  const [start, end] = await Promise.all(marks.splice(0));
  const cpuUs = (end.cpuMicros - start.cpuMicros) / run.answered;
  if (run.errors > 0) process.stderr.write(`capacity-http: ${target}: ${run.errors} failed heartbeats, first: ${run.firstError}\n`);
  return { ...run, cpuUs, windowS: (end.at - start.at) / 1000, deaths: end.deaths };
}

const missing = daemonMissing();
if (missing !== undefined) {
  for (const figure of Object.values(FIGURES)) emit(skipped(SECTION, figure, missing));
} else {
  const daemon = await startServer({ mode: 'daemon', flags: FLAGS, preload: { servers: S, chunks: C } });
  const bare = await startServer({ mode: 'bare' });
  const load = startLoad({ servers: S, chunks: C, connections: CONNECTIONS });
  load.on((message) => {
    if (message.type === 'mark') marks.push(marked.sample());
  });
  const ours = [];
  const baseline = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      baseline.push(await measure(bare, load, 'bare'));
      ours.push(await measure(daemon, load, 'ours'));
    }
    const final = await daemon.sample(false, true);
    emitResults(daemon.ready, ours, baseline, final);
  } finally {
    await load.stop();
    await Promise.all([daemon.stop(), bare.stop()]);
  }
}

function emitResults(ready, ours, baseline, final) {
  const med = (runs, key) => median(runs.map((run) => run[key]));
  const runs = (list, key, digits = 0) => list.map((run) => round(run[key], digits)).join('/');
  const common =
    `${scaleNote}; median of ${ROUNDS} alternating runs of ${SECONDS} s after ${WARMUP_S} s warm-up, ${CONNECTIONS} keep-alive connections, closed loop rotating over every server, load generator in its own process; ` +
    'baseline: bare node:http that reads, JSON.parses and answers a fixed reply, in its own process';
  const stats = ready.stats;
  emit(row({
    section: SECTION, figure: FIGURES.preload, value: round(ready.preloadMs / 1000, 2), unit: 's',
    note: `${stats.replicas} replicas, ${stats.chunks} chunks held after it; ${round(ready.preloadBytes / 2 ** 20, 0)} MiB of bodies built and parsed; heap ${round(ready.heapUsed / 2 ** 20, 0)} MiB; informational`,
  }));
  emit(row({
    section: SECTION, figure: FIGURES.rate, value: Math.round(med(ours, 'rate')), unit: 'req/s', baseline: Math.round(med(baseline, 'rate')), better: 'higher',
    note: `${common}; ours ${runs(ours, 'rate')}, bare ${runs(baseline, 'rate')}; informational`,
  }));
  const cpuOurs = med(ours, 'cpuUs');
  const cpuBare = med(baseline, 'cpuUs');
  emit(row({
    section: SECTION, figure: FIGURES.cpu, value: round(cpuOurs, 1), unit: 'us', baseline: round(cpuBare, 1),
    note: `process.cpuUsage() of the server process over the window / heartbeats answered in it; ours ${runs(ours, 'cpuUs', 1)}, bare ${runs(baseline, 'cpuUs', 1)}; informational`,
  }));
  emit(row({
    section: SECTION, figure: FIGURES.p99, value: round(med(ours, 'p99'), 1), unit: 'ms', baseline: round(med(baseline, 'p99'), 1),
    note: `closed loop with ${CONNECTIONS} in flight, so latency is mostly queueing; informational`,
  }));
  const fleet = (cpuUs) => Math.floor((CORE_SHARE * INTERVAL_MS * 1000) / cpuUs);
  emit(row({
    section: SECTION, figure: FIGURES.fleet, value: fleet(cpuOurs), unit: 'servers', baseline: fleet(cpuBare), bar: FLEET_BAR, better: 'higher',
    note: `${CORE_SHARE} x ${INTERVAL_MS / 1000} s / CPU per heartbeat; incremental heartbeats of ${2 * CHANGES} changes on ${scaleNote}`,
  }));
  const gap = Math.max(...ours.map((run) => run.maxGapMs));
  emit(row({
    section: SECTION, figure: FIGURES.dead, value: final.deaths, unit: 'servers', bar: 0,
    note:
      `server_dead events in the daemon over the whole section; dead timeout raised to ${DEAD_AFTER_MISSED} x ${INTERVAL_MS} ms since our servers are silent while the bare server is measured; ` +
      `longest silence of a server within one of our runs: ${round(gap / 1000, 2)} s (the default 15 s timeout needs <= ~10 s); ` +
      `after the runs the master holds ${final.stats.replicas} replicas of ${final.stats.chunks} chunks, ${final.stats.pendingCopies} copies and ${final.stats.pendingDeletes} deletes pending (the load ignores instructions)`,
  }));
}
