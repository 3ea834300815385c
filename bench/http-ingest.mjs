// HTTP ingest: autocannon POSTing heartbeats to `chunkmaster serve` against a
// bare node:http server that only parses the JSON, both in child processes.
import autocannon from 'autocannon';
import { daemonMissing, startBareHttp, startDaemon } from './daemon.mjs';
import { emit, round, row, skipped } from './lib.mjs';

const SECTION = 'http ingest';
const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const CONNECTIONS = 32;
const SERVERS = 2_000;
const CHUNKS_PER_SERVER = 10;

const bodies = Array.from({ length: SERVERS }, (_, s) =>
  JSON.stringify({
    server: `cs${s}`,
    chunks: Array.from({ length: CHUNKS_PER_SERVER }, (_, k) => `ch_${(s * 7 + k * 13) % 50_000}`),
    disk_usage_pct: (s % 80) + 0.5,
    health: 'healthy',
  }),
);

async function load(url, duration = DURATION_S) {
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

const missing = daemonMissing();
if (missing !== undefined) {
  emit(skipped(SECTION, 'heartbeats per second over HTTP keep-alive', missing));
  emit(skipped(SECTION, 'heartbeat latency p99', missing));
} else {
  const bare = await startBareHttp();
  let baseline;
  try {
    // A first short run warms up autocannon itself, which shares this process.
    await load(bare.url, 1);
    baseline = await load(bare.url);
  } finally {
    await bare.stop();
  }
  const daemon = await startDaemon([], { CHUNKMASTER_LOG_LEVEL: 'warn' });
  let ours;
  try {
    await load(daemon.url, 1);
    ours = await load(daemon.url);
  } finally {
    await daemon.stop();
  }
  const note = `${CONNECTIONS} connections, ${DURATION_S} s, ${CHUNKS_PER_SERVER} chunks per heartbeat; baseline: bare node:http + JSON.parse`;
  emit(row({ section: SECTION, figure: 'heartbeats per second over HTTP keep-alive', value: Math.round(ours.rps), unit: 'req/s', baseline: Math.round(baseline.rps), better: 'higher', note }));
  emit(row({ section: SECTION, figure: 'heartbeat latency p99', value: round(ours.p99, 1), unit: 'ms', baseline: round(baseline.p99, 1) }));
}
