// WebSocket ingest: closed-loop clients sending heartbeat bodies to
// `chunkmaster serve` (GET /ws) against a bare `ws` server that only parses.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { daemonMissing, startDaemon, startProcess } from './daemon.mjs';
import { emit, round, row, skipped } from './lib.mjs';

const SECTION = 'websocket ingest';
const DURATION_MS = Number(process.env.BENCH_WS_SECONDS ?? 5) * 1000;
const CONNECTIONS = 16;
const IN_FLIGHT = 4;
const CHUNKS_PER_SERVER = 10;

function body(connection, seq) {
  const s = connection * 1000 + (seq % 100);
  return JSON.stringify({
    type: 'heartbeat',
    msg_id: seq,
    server: `cs${s}`,
    chunks: Array.from({ length: CHUNKS_PER_SERVER }, (_, k) => `ch_${(s * 7 + k * 13) % 50_000}`),
    disk_usage_pct: (s % 80) + 0.5,
  });
}

/** Each connection keeps IN_FLIGHT heartbeats outstanding; returns replies per second. */
async function load(url, durationMs = DURATION_MS) {
  const until = performance.now() + durationMs;
  let replies = 0;
  const clients = Array.from({ length: CONNECTIONS }, (_, c) =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      let seq = 0;
      socket.on('error', reject);
      socket.on('open', () => {
        for (let i = 0; i < IN_FLIGHT; i++) socket.send(body(c, seq++));
      });
      socket.on('message', (data) => {
        const reply = JSON.parse(data.toString());
        if (reply.type !== 'heartbeat_ok') return reject(new Error(`unexpected reply ${data}`));
        replies++;
        if (performance.now() < until) socket.send(body(c, seq++));
        else socket.close();
      });
      socket.on('close', resolve);
    }),
  );
  const started = performance.now();
  await Promise.all(clients);
  return replies / ((performance.now() - started) / 1000);
}

const missing = daemonMissing();
if (missing !== undefined) {
  emit(skipped(SECTION, 'heartbeats per second over WebSocket', missing));
} else {
  const bare = await startProcess((port) => [new URL('./fixtures/bare-ws.mjs', import.meta.url).pathname, String(port)], { readyPath: '/' });
  let baseline;
  try {
    // A first short run warms up the client side, which shares this process.
    await load(bare.url.replace('http', 'ws'), 1000);
    baseline = await load(bare.url.replace('http', 'ws'));
  } finally {
    await bare.stop();
  }
  const daemon = await startDaemon([], { CHUNKMASTER_LOG_LEVEL: 'warn' });
  let ours;
  try {
    await load(`${daemon.url.replace('http', 'ws')}/ws`, 1000);
    ours = await load(`${daemon.url.replace('http', 'ws')}/ws`);
  } finally {
    await daemon.stop();
  }
  emit(row({
    section: SECTION,
    figure: 'heartbeats per second over WebSocket',
    value: Math.round(ours),
    unit: 'msg/s',
    baseline: Math.round(baseline),
    better: 'higher',
    note: `${CONNECTIONS} connections x ${IN_FLIGHT} in flight, ${round(DURATION_MS / 1000, 0)} s; baseline: bare ws server + JSON.parse`,
  }));
}
