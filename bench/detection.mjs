// Detection under load: 10,000 simulated chunk servers heartbeat to
// `chunkmaster serve` over keep-alive HTTP (src/fleet's servers and client);
// some stop. A WebSocket subscribed to the master's events says when each
// is marked dead. Figures: how late past its deadline (its last heartbeat's
// send time + the dead timeout, on this process's clock, so request latency
// and event delivery count against us) the latest death came, and how many
// servers that never stopped were marked dead.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { daemonMissing, startDaemon } from './daemon.mjs';
import { DIST, emit, percentile, round, row, skipped } from './lib.mjs';

const SECTION = 'detection under load';
const SERVERS = Number(process.env.BENCH_DETECTION_SERVERS ?? 10_000);
const CHUNKS_PER_SERVER = 20;
const INTERVAL_MS = 2_000;
const MISSED = 3;
const DEAD_MS = INTERVAL_MS * MISSED;
const STOPPED = 100;
const CONNECTIONS = 32;
// Every server has reported twice before the first one stops.
const STOP_AT_MS = 2 * INTERVAL_MS + 500;
// The stops spread over one interval, so deaths fall due at many moments.
const STOP_SPREAD_MS = INTERVAL_MS;
const TICK_MS = 5;
const FIGURES = ['deaths reported past their deadline (max)', 'live servers marked dead'];

const missing = daemonMissing();
if (missing !== undefined) {
  for (const figure of FIGURES) emit(skipped(SECTION, figure, missing));
} else {
  const { ChunkServers: SimFleet } = await import(pathToFileURL(DIST + 'fleet/chunk-servers.js').href);
  const { HttpTransport } = await import(pathToFileURL(DIST + 'fleet/transport.js').href);
  const daemon = await startDaemon(
    ['--heartbeat-interval-ms', String(INTERVAL_MS), '--dead-after-missed', String(MISSED)],
    { CHUNKMASTER_LOG_LEVEL: 'warn' },
  );
  try {
    emitResults(await drive(daemon.url, SimFleet, HttpTransport));
  } finally {
    await daemon.stop();
  }
}

/** Subscribes to the master's events; resolves once subscribed. */
function subscribe(url, onEvent) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', msg_id: 1 })));
    socket.on('message', (data) => {
      const body = JSON.parse(String(data));
      if (body.type === 'subscribe_ok') resolve(socket);
      else onEvent(body, performance.now());
    });
  });
}

async function drive(url, SimFleet, HttpTransport) {
  const fleet = new SimFleet(SERVERS, CHUNKS_PER_SERVER);
  const transport = new HttpTransport(url, CONNECTIONS);
  const lastSentAt = new Map();
  const stopped = new Set();
  const deaths = new Map();
  const falseDeaths = new Set();
  const socket = await subscribe(url, (event, receivedAt) => {
    if (event.type !== 'server_dead') return;
    if (stopped.has(event.server)) {
      if (!deaths.has(event.server)) deaths.set(event.server, receivedAt);
    } else {
      falseDeaths.add(event.server);
    }
  });
  // Server i is due at start + i/N of an interval, then every interval:
  // one cursor walks them in order, so sending stays O(1) per heartbeat.
  const started = performance.now();
  const stopAt = new Map(fleet.servers.slice(0, STOPPED).map((server, i) => [server, started + STOP_AT_MS + (i / STOPPED) * STOP_SPREAD_MS]));
  const endAt = started + STOP_AT_MS + STOP_SPREAD_MS + DEAD_MS + 1_500;
  let cursor = 0;
  let round = 0;
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let maxSendLagMs = 0;
  const inFlight = new Set();
  while (performance.now() < endAt) {
    const now = performance.now();
    for (;;) {
      const due = started + ((cursor + round * SERVERS) / SERVERS) * INTERVAL_MS;
      if (due > now) break;
      const server = fleet.servers[cursor];
      if (++cursor === SERVERS) (cursor = 0), round++;
      if (stopped.has(server.id)) continue;
      const stopsAt = stopAt.get(server);
      if (stopsAt !== undefined && now >= stopsAt) {
        stopped.add(server.id);
        continue;
      }
      maxSendLagMs = Math.max(maxSendLagMs, now - due);
      lastSentAt.set(server.id, now);
      sent++;
      const exchange = transport.send(fleet.report(server)).then(
        (answer) => {
          ok++;
          fleet.apply(server, answer);
        },
        () => failed++,
      );
      inFlight.add(exchange);
      exchange.finally(() => inFlight.delete(exchange));
    }
    await sleep(TICK_MS);
  }
  await Promise.all(inFlight);
  // Deaths come late by whatever the master credited as its own stalls (see README, Replication).
  const metrics = await fetch(`${url}/metrics`).then((response) => response.text(), () => '');
  const stallMs = 1000 * Number(/^chunkmaster_stall_seconds_total (\S+)$/m.exec(metrics)?.[1] ?? NaN);
  socket.close();
  await transport.close();
  const elapsedS = (performance.now() - started) / 1000;
  const lateness = [...stopped].map((id) => (deaths.get(id) ?? Infinity) - ((lastSentAt.get(id) ?? started) + DEAD_MS));
  return { lateness, seen: deaths.size, stopped: stopped.size, falseDeaths: falseDeaths.size, sent, ok, failed, rate: ok / elapsedS, maxSendLagMs, stallMs };
}

function emitResults(r) {
  const maxLate = Math.max(...r.lateness);
  const minLate = Math.min(...r.lateness);
  const load = `${SERVERS} servers x ${CHUNKS_PER_SERVER} chunks every ${INTERVAL_MS} ms over ${CONNECTIONS} keep-alive connections (${Math.round(r.rate)} heartbeats/s, ${r.failed} failed, send lag max ${round(r.maxSendLagMs, 0)} ms)`;
  const note =
    `${r.seen}/${r.stopped} stopped servers seen dead over the WebSocket event stream; dead timeout ${DEAD_MS} ms; ` +
    `p50 ${round(percentile(r.lateness, 50), 1)} ms, min ${round(minLate, 1)} ms; master stalls credited over the run: ${round(r.stallMs, 0)} ms; ${load}`;
  const late = row({ section: SECTION, figure: FIGURES[0], value: round(maxLate, 1), unit: 'ms', bar: 100, note });
  // Dead before its deadline would be a bug, not speed.
  if (minLate < 0) Object.assign(late, { pass: false, note: `EARLY by ${round(-minLate, 1)} ms; ${note}` });
  emit(late);
  emit(row({ section: SECTION, figure: FIGURES[1], value: r.falseDeaths, unit: 'servers', bar: 0, note: `server_dead events for servers that never stopped, out of ${SERVERS - r.stopped}` }));
}
