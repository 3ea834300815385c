// WebSocket ingest: the HTTP section's stream of heartbeats (1,000 rotating
// servers x 100 chunks) sent over one socket and over 100 sockets to
// `chunkmaster serve` (GET /ws), against a bare `ws` server that only parses.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { daemonMissing, startDaemon, startProcess } from './daemon.mjs';
import { emit, round, row, skipped } from './lib.mjs';

const SECTION = 'websocket ingest';
const DURATION_MS = Number(process.env.BENCH_WS_SECONDS ?? 4) * 1000;
const SERVERS = 1000;
const CHUNKS_PER_SERVER = 100;
/** Sockets and heartbeats each keeps outstanding: one busy socket, and a fleet's worth. */
const SHAPES = [
  { sockets: 1, inFlight: 32 },
  { sockets: 100, inFlight: 1 },
];

// Bodies are built once: the client shares this process, and must not be what is measured.
const TAILS = Array.from({ length: SERVERS }, (_, s) =>
  JSON.stringify({
    server: `cs${s}`,
    chunks: Array.from({ length: CHUNKS_PER_SERVER }, (_, k) => `ch_${String((s * 7 + k * 13) % 100_000).padStart(6, '0')}`),
    disk_usage_pct: (s % 80) + 0.5,
  }).slice(1),
);
const body = (seq) => `{"type":"heartbeat","msg_id":${seq},${TAILS[seq % SERVERS]}`;

/** Each socket keeps `inFlight` heartbeats outstanding; returns replies per second. */
async function load(url, { sockets, inFlight }, durationMs = DURATION_MS) {
  const until = performance.now() + durationMs;
  let replies = 0;
  let seq = 0;
  const clients = Array.from({ length: sockets }, () =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.on('error', reject);
      socket.on('open', () => {
        for (let i = 0; i < inFlight; i++) socket.send(body(seq++));
      });
      socket.on('message', (data) => {
        const reply = JSON.parse(data.toString());
        if (reply.type !== 'heartbeat_ok') return reject(new Error(`unexpected reply ${data}`));
        replies++;
        if (performance.now() < until) socket.send(body(seq++));
        else socket.close();
      });
      socket.on('close', resolve);
    }),
  );
  const started = performance.now();
  await Promise.all(clients);
  return replies / ((performance.now() - started) / 1000);
}

/** Starts a server, warms it up, then measures every shape against it. */
async function measure(start, wsUrl) {
  const server = await start();
  try {
    const url = wsUrl(server.url);
    await load(url, SHAPES[1], 1000);
    const rates = [];
    for (const shape of SHAPES) rates.push(await load(url, shape));
    return rates;
  } finally {
    await server.stop();
  }
}

const missing = daemonMissing();
if (missing !== undefined) {
  emit(skipped(SECTION, 'heartbeats per second over WebSocket', missing));
} else {
  const bareScript = new URL('./fixtures/bare-ws.mjs', import.meta.url).pathname;
  const baseline = await measure(
    () => startProcess((port) => [bareScript, String(port)], { readyPath: '/' }),
    (url) => url.replace('http', 'ws'),
  );
  const ours = await measure(
    () => startDaemon([], { CHUNKMASTER_LOG_LEVEL: 'warn' }),
    (url) => `${url.replace('http', 'ws')}/ws`,
  );
  SHAPES.forEach((shape, i) => {
    emit(row({
      section: SECTION,
      figure: `heartbeats per second over ${shape.sockets === 1 ? 'one WebSocket' : `${shape.sockets} WebSockets`}, ${CHUNKS_PER_SERVER} chunks each`,
      value: Math.round(ours[i]),
      unit: 'msg/s',
      baseline: Math.round(baseline[i]),
      better: 'higher',
      note: `${shape.sockets} socket(s) x ${shape.inFlight} in flight, ${round(DURATION_MS / 1000, 0)} s, ${SERVERS} rotating servers; baseline: bare ws server + JSON.parse`,
    }));
  });
}
