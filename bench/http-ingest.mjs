// HTTP ingest: autocannon POSTing heartbeats to `chunkmaster serve` against a
// bare node:http server that parses the same bodies, both in child processes
// and both up for the whole section. Runs alternate (bare, ours, bare, ...)
// with the same connections and duration, and the medians are compared, so
// a noisy neighbour on a shared machine hits both sides alike.
import autocannon from 'autocannon';
import { daemonMissing, startBareHttp, startDaemon } from './daemon.mjs';
import { emit, median, round, row, skipped } from './lib.mjs';

const SECTION = 'http ingest';
const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const CONNECTIONS = 32;
const SERVERS = 1_000;
// The load, judged against the bar; then a light one (informational)
// that shows how much of the gap is per-chunk work rather than per request.
const LOADS = [
  { chunks: 100, bar: 0.8 },
  { chunks: 10, bar: undefined },
];

// Each server reports the same chunks every time, as real ones do; each
// chunk is held by three servers.
function heartbeatBodies(chunksPerServer) {
  const distinct = Math.ceil((SERVERS * chunksPerServer) / 3);
  return Array.from({ length: SERVERS }, (_, s) =>
    JSON.stringify({
      server: `cs${s}`,
      chunks: Array.from({ length: chunksPerServer }, (_, k) => `ch_${(s * chunksPerServer + k) % distinct}`),
      disk_usage_pct: (s % 80) + 0.5,
      health: 'healthy',
    }),
  );
}

async function load(url, bodies, duration = DURATION_S) {
  let next = 0;
  const result = await autocannon({
    url: `${url}/heartbeat`,
    method: 'POST',
    connections: CONNECTIONS,
    duration,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest(request) {
          request.body = bodies[next++ % bodies.length];
          return request;
        },
      },
    ],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

async function compare(bare, daemon, bodies) {
  const baseline = [];
  const ours = [];
  // Short first runs warm up both servers and autocannon, which shares this process.
  await load(bare.url, bodies, 1);
  await load(daemon.url, bodies, 1);
  for (let round = 0; round < ROUNDS; round++) {
    baseline.push(await load(bare.url, bodies));
    ours.push(await load(daemon.url, bodies));
  }
  return { baseline, ours };
}

const rps = (runs) => Math.round(median(runs.map((run) => run.rps)));
const p99 = (runs) => median(runs.map((run) => run.p99));

const missing = daemonMissing();
if (missing !== undefined) {
  for (const { chunks } of LOADS) {
    emit(skipped(SECTION, `heartbeats per second over HTTP keep-alive, ${chunks} chunks each`, missing));
    emit(skipped(SECTION, `heartbeat latency p99, ${chunks} chunks each`, missing));
  }
} else {
  const bare = await startBareHttp();
  const daemon = await startDaemon([], { CHUNKMASTER_LOG_LEVEL: 'warn' });
  try {
    for (const { chunks, bar } of LOADS) {
      const { baseline, ours } = await compare(bare, daemon, heartbeatBodies(chunks));
      const note =
        `median of ${ROUNDS} alternating runs of ${DURATION_S} s, ${CONNECTIONS} connections each, ${SERVERS} servers; ` +
        `baseline: bare node:http + JSON.parse; ours ${ours.map((run) => Math.round(run.rps)).join('/')}, bare ${baseline.map((run) => Math.round(run.rps)).join('/')}` +
        (bar === undefined ? '; informational' : '');
      emit(row({ section: SECTION, figure: `heartbeats per second over HTTP keep-alive, ${chunks} chunks each`, value: rps(ours), unit: 'req/s', baseline: rps(baseline), bar, better: 'higher', barOn: 'ratio', note }));
      emit(row({ section: SECTION, figure: `heartbeat latency p99, ${chunks} chunks each`, value: round(p99(ours), 1), unit: 'ms', baseline: round(p99(baseline), 1), note: 'informational' }));
    }
  } finally {
    await Promise.all([bare.stop(), daemon.stop()]);
  }
}
