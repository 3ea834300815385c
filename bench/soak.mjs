// Soak: the real daemon (`node dist/cli.js serve`, loopback, default limits)
// for 10 minutes (--minutes N) under a 2,000-server fleet with churn, a
// subscriber that reads every event, one that stops reading, a flooding
// socket, scrapes every second, one 300k-chunk server that dies, and its
// stderr on a pipe read slowly. Prints what it saw and checks it: exit 1 if
// any check fails. Run with `npm run soak` (after a build).
//
// Clients come from different loopback addresses, as they would from
// different machines: the fleet 127.0.0.3, the flooder 127.0.0.2, the
// stalled subscriber 127.0.0.4, operators and the reader 127.0.0.1.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { ROOT, distHas, round } from './lib.mjs';
import { Deaths } from './fixtures/soak-deaths.mjs';
import { BigServer, SoakFleet } from './fixtures/soak-fleet.mjs';
import { finalState, memoryAfterGc, profileHeap, startDaemon, stopDaemon } from './fixtures/soak-daemon.mjs';
import { Scraper, pollHealthz, seededRandom, tally } from './fixtures/soak-probes.mjs';
import { checks, memoryFigures, summary } from './fixtures/soak-report.mjs';
import { Flooder, Reader, Stalled } from './fixtures/soak-sockets.mjs';

const INTERVAL_MS = 5000;
const DEAD_MS = 3 * INTERVAL_MS;
const CHURN_MS = 4000;
const TICK_MS = 10;
const STDERR_BYTES_PER_TICK = 2048;
const STDERR_TICK_MS = 100;
const FLEET_ADDRESS = '127.0.0.3';

const options = parseOptions();
const DURATION_MS = options.minutes * 60_000;
// Churn starts after safe mode (one dead timeout) and stops early enough for its last death to be seen.
const CHURN_FROM_MS = DEAD_MS + 5000;
const CHURN_UNTIL_MS = DURATION_MS - DEAD_MS - 15_000;
// The big server comes and goes before the mark: the mark is then the fleet's
// steady state (whatever the big server left behind included), and the end
// is compared with it. A reading just before its report shows what it left.
const BIG_REPORT_MS = 20_000;
const BIG_SILENT_MS = 35_000;
const MARK_MS = 60_000;
// Memory is read after a full GC: before the big report, at the mark, just before the end.
const READINGS_MS = [BIG_REPORT_MS - 2000, MARK_MS, DURATION_MS - 5000];
const END_MEASURE_MS = READINGS_MS[2];
// Around those moments the stalled subscriber and the flooder hold off, so
// that each reading sees them in the same state (not mid-round with megabytes unsent).
const QUIET_MS = READINGS_MS.map((at) => [at - 5000, at + 3000]);
const STALLED_ROUND_MS = Math.min(120_000, DURATION_MS / 4);

function parseOptions() {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      servers: { type: 'string', default: '2000' },
      'big-chunks': { type: 'string', default: '300000' },
      seed: { type: 'string', default: '1' },
      // info, as operators run it; debug writes lines per request, far more than the slow reader takes.
      'log-level': { type: 'string', default: 'info' },
    },
  });
  const number = (name, min, max) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < min || value > max) {
      console.error(`--${name}: expected a number from ${min} to ${max}, got ${values[name]}`);
      process.exit(2);
    }
    return value;
  };
  // The shortest run still has its mark (60 s) and a reading 25 s later.
  return { minutes: number('minutes', 1.5, 120), servers: Math.round(number('servers', 10, 20_000)), bigChunks: Math.round(number('big-chunks', 1, 500_000)), seed: number('seed', 0, 2 ** 32), logLevel: values['log-level'] };
}

/** The stalled subscriber's rounds: at most STALLED_ROUND_MS each, between the quiet windows. */
function stalledWindows(startedAt) {
  const windows = [];
  const edges = [[0, 500], ...QUIET_MS, [DURATION_MS - 1000, DURATION_MS]];
  for (let i = 0; i + 1 < edges.length; i++) {
    for (let from = edges[i][1]; from < edges[i + 1][0]; from += STALLED_ROUND_MS) {
      windows.push([startedAt + from, startedAt + Math.min(from + STALLED_ROUND_MS, edges[i + 1][0])]);
    }
  }
  return windows;
}

async function drive(daemon) {
  const { url } = daemon;
  const random = seededRandom(options.seed);
  const fleet = new SoakFleet({ url, servers: options.servers, intervalMs: INTERVAL_MS, connections: 64, random, localAddress: FLEET_ADDRESS });
  const big = new BigServer({ url, count: options.bigChunks, intervalMs: INTERVAL_MS, localAddress: FLEET_ADDRESS, fleet, reportAt: BIG_REPORT_MS, silentAt: BIG_SILENT_MS });
  // The clock starts once the fleet is laid out (a few seconds for 2,000 servers).
  const startedAt = performance.now();
  const endAt = startedAt + DURATION_MS;
  const operator = new Pool(url, { connections: 4 });
  const flooder = new Flooder(url, { localAddress: '127.0.0.2' });
  const deaths = new Deaths({ fleet, operator, floodId: flooder.id, deadMs: DEAD_MS });
  const events = { big: {} };
  const reader = new Reader(url, (body, at) => {
    if (body.type === 'server_dead') deaths.seen(body.server, at);
    if (body.server === big.id) events.big[body.type] = body;
  });
  await reader.start();
  const scraper = new Scraper(url);
  const stalled = new Stalled(url, { localAddress: '127.0.0.4' });
  const quiet = QUIET_MS.map(([from, to]) => [startedAt + from, startedAt + to]);
  const side = [
    pollHealthz(url, startedAt, endAt),
    scraper.run(startedAt, endAt),
    stalled.run(stalledWindows(startedAt)),
    flooder.run(startedAt + 10_000, endAt, quiet),
  ];
  const readings = READINGS_MS.map((at) => memoryAfterGc(daemon, operator, startedAt, at));
  side.push(Promise.all(readings), profileHeap(daemon, readings[1], startedAt + END_MEASURE_MS - 3000));
  // The fleet heartbeats until every other client is done (they end by endAt, give or take a request).
  let sideResults;
  const sideDone = Promise.all(side).then((results) => (sideResults = results));
  let nextChurnAt = startedAt + CHURN_FROM_MS;
  let listsRead = 0;
  const load = [];
  while ((performance.now() < endAt || sideResults === undefined) && performance.now() < endAt + 30_000) {
    const now = performance.now();
    fleet.sendDue(startedAt, now);
    big.tick(now - startedAt, now);
    if (now >= nextChurnAt && now - startedAt < CHURN_UNTIL_MS) {
      fleet.churn(now);
      nextChurnAt += CHURN_MS;
    }
    for (; listsRead < scraper.deadLists.length; listsRead++) deaths.listed(scraper.deadLists[listsRead], now);
    if (load.length < (now - startedAt) / 10_000) load.push(loadavg()[0]);
    await sleep(TICK_MS);
  }
  const endedAt = performance.now();
  // From here on servers die because the fleet stops: no more deaths are judged.
  deaths.stopped = true;
  const [healthz, , , , [beforeBig, markMemory, endMemory], heapSites] = await sideDone;
  reader.stop();
  flooder.stop();
  await Promise.all([fleet.close(), big.close()]);
  const final = await finalState(operator);
  const kept = withoutForcedGcs(healthz, startedAt, [beforeBig, markMemory, endMemory]);
  await Promise.all([operator.close(), scraper.close()]);
  return { fleet, big, events, deaths: deaths.figures(endedAt), forget: deaths.forget, reader, stalled, flooder, scraper, healthz: kept, slowPolls: slowPollCauses(kept, startedAt, flooder), final, beforeBig, markMemory, endMemory, heapSites, load };
}

/** /healthz polls that overlapped one of the soak's own forced GCs say nothing about the daemon: left out. */
function withoutForcedGcs(healthz, startedAt, measurements) {
  const gcs = measurements.filter((m) => m.gcMs !== undefined).map((m) => [m.startedAt - 100, m.startedAt + m.gcMs + 100]);
  const kept = { ...healthz, latencies: [], startedAt: [], leftOut: 0 };
  healthz.latencies.forEach((ms, i) => {
    const at = healthz.startedAt[i];
    if (gcs.some(([from, to]) => at < to && at + ms > from)) {
      kept.leftOut++;
    } else {
      kept.latencies.push(ms);
      kept.startedAt.push(at);
    }
  });
  kept.worst = healthz.worst.filter((w) => !gcs.some(([from, to]) => startedAt + w.atS * 1000 < to && startedAt + w.atS * 1000 + w.ms > from));
  return kept;
}

/**
 * What the /healthz polls over 100 ms coincided with: the first 15 s (the
 * fleet's first reports), a flood burst (and 2 s after), the big report
 * (and 10 s after), or nothing the soak did.
 */
function slowPollCauses(healthz, startedAt, flooder) {
  const windows = [
    ['first 15 s', [[startedAt, startedAt + 15_000]]],
    ['big report', [[startedAt + BIG_REPORT_MS, startedAt + BIG_REPORT_MS + 10_000]]],
    ['flood burst', flooder.burstTimes.map(([from, to]) => [from, (to ?? from) + 2000])],
  ];
  const causes = {};
  healthz.latencies.forEach((ms, i) => {
    if (ms <= 100) return;
    const at = healthz.startedAt[i];
    const hit = windows.find(([, spans]) => spans.some(([from, to]) => at < to && at + ms > from));
    tally(causes, hit?.[0] ?? 'other');
  });
  return causes;
}

function bigLine(big, events) {
  const report = big.replies[0];
  if (report === undefined) return 'never reported';
  const dead = events.server_dead;
  const reaped = events.server_reaped;
  const forgotten = events.server_forgotten;
  return [
    `report of ${report.chunks} chunks answered in ${report.ms} ms (${report.ok ? 'ok' : 'refused'}), then ${big.replies.length - 1} liveness heartbeats`,
    dead ? `dead with ${dead.lost_replicas} replicas lost` : 'no server_dead seen',
    reaped ? `reaped: ${reaped.replicas} replicas, ${reaped.chunks_missing} chunks missing` : 'no server_reaped seen',
    forgotten ? `forgotten: ${forgotten.chunks_freed} chunks freed` : 'no server_forgotten seen',
  ].join('; ');
}

async function main() {
  if (!distHas('cli.js')) throw new Error('dist/cli.js missing: run npm run build');
  const watchdog = setTimeout(() => {
    console.error('soak: still running 5 minutes past its end; giving up');
    process.exit(1);
  }, DURATION_MS + 300_000);
  watchdog.unref();
  const soakStartedAt = performance.now();
  const ownLag = monitorEventLoopDelay({ resolution: 20 });
  ownLag.enable();
  const daemon = await startDaemon({ logLevel: options.logLevel, stderrBytesPerTick: STDERR_BYTES_PER_TICK, stderrTickMs: STDERR_TICK_MS });
  process.once('exit', () => daemon.child.exitCode === null && daemon.child.kill('SIGKILL'));
  let run;
  try {
    run = await drive(daemon);
  } finally {
    run ??= {};
    run.exit = await stopDaemon(daemon);
  }
  ownLag.disable();
  const metrics = run.final.metrics;
  const report = {
    minutes: options.minutes,
    servers: options.servers,
    intervalMs: INTERVAL_MS,
    churnMs: CHURN_MS,
    bigChunks: options.bigChunks,
    logLevel: options.logLevel,
    machine: `${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB, node ${process.version}`,
    markS: round(MARK_MS / 1000, 0),
    timeline: `mark at ${round(MARK_MS / 1000, 0)} s, churn ${round(CHURN_FROM_MS / 1000, 0)}-${round(CHURN_UNTIL_MS / 1000, 0)} s, big server reports at ${round(BIG_REPORT_MS / 1000, 0)} s and goes silent at ${round(BIG_SILENT_MS / 1000, 0)} s`,
    fleet: run.fleet,
    deaths: run.deaths,
    forget: run.forget,
    big: bigLine(run.big, run.events.big),
    reader: { types: run.reader.types, closes: run.reader.closes, dropped: run.reader.droppedSummaries },
    stalled: run.stalled.rounds,
    flood: { bursts: run.flooder.bursts, sent: run.flooder.sent, replies: run.flooder.replies, closes: run.flooder.closes },
    healthz: run.healthz,
    slowPolls: run.slowPolls,
    scrapes: run.scraper,
    replication: run.scraper.lastReplication,
    backlog: [run.markMemory, run.endMemory].map((m) => run.scraper.backlog.find((b) => b.at >= (m.startedAt ?? Infinity))),
    brakeSeen: run.scraper.brakeSeen,
    memory: memoryFigures(run.scraper.samples, MARK_MS, DURATION_MS),
    afterGc: { beforeBig: run.beforeBig, mark: run.markMemory, end: run.endMemory },
    heapSites: run.heapSites,
    ownLagMs: ownLag.max / 1e6,
    ownCpuShare: (({ user, system }) => (user + system) / 1000 / (performance.now() - soakStartedAt))(process.cpuUsage()),
    known: run.final.known,
    log: { lines: daemon.stderr.lines, otherLines: daemon.stderr.otherLines, bytes: daemon.stderr.bytes, messages: daemon.stderr.messages, dropped: metrics.get('chunkmaster_log_lines_dropped_total'), bytesPerSecond: (STDERR_BYTES_PER_TICK * 1000) / STDERR_TICK_MS },
    otherDropped: Object.fromEntries([...metrics].filter(([key]) => key.includes('dropped') && key !== 'chunkmaster_log_lines_dropped_total')),
    exit: run.exit,
    load: run.load,
  };
  report.checks = checks(report);
  const lines = summary(report);
  console.log(lines.join('\n'));
  writeFileSync(ROOT + 'bench/results/soak.txt', lines.join('\n') + '\n');
  // Every scrape's figures, for a closer look at memory over time.
  if (process.env.SOAK_SAMPLES) writeFileSync(process.env.SOAK_SAMPLES, JSON.stringify(run.scraper.samples.map(({ at, heap, rss, external, majorGcs, lagMax }) => ({ at: Math.round(at), heap, rss, external, majorGcs, lagMax }))));
  process.exitCode = report.checks.some((check) => check.pass === false) ? 1 : 0;
}

main().catch((error) => {
  console.error(`soak: ${error.stack ?? error}`);
  process.exit(1);
});
