// Detection under load: while autocannon keeps the daemon busy with
// heartbeats from other servers, one server goes silent; how late past its
// dead timeout does GET /servers/{id} say "dead"?
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { daemonMissing, startDaemon } from './daemon.mjs';
import { emit, round, row, skipped } from './lib.mjs';

const SECTION = 'detection under load';
const INTERVAL_MS = 500;
const MISSED = 3;
const DEAD_MS = INTERVAL_MS * MISSED;
const SERVERS = 500;

const missing = daemonMissing();
if (missing !== undefined) {
  emit(skipped(SECTION, 'death reported after the dead timeout, under load', missing));
} else {
  const daemon = await startDaemon(['--heartbeat-interval-ms', String(INTERVAL_MS), '--dead-after-missed', String(MISSED)], { CHUNKMASTER_LOG_LEVEL: 'warn' });
  try {
    let next = 0;
    const bodies = Array.from({ length: SERVERS }, (_, s) => JSON.stringify({ server: `load${s}`, chunks: [`ch_${s}`, `ch_${s + 1}`] }));
    const loadRun = autocannon({
      url: `${daemon.url}/heartbeat`,
      method: 'POST',
      connections: 16,
      duration: (DEAD_MS * 2 + 2000) / 1000,
      headers: { 'content-type': 'application/json' },
      requests: [{ setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) }],
    });
    await sleep(500);
    const sentAt = performance.now();
    const res = await fetch(`${daemon.url}/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ server: 'victim', chunks: ['ch_victim'] }),
    });
    await res.arrayBuffer();
    // The master started the timeout between sending and the reply: dead
    // before sentAt + DEAD_MS would be early, a bug; the figure is how late.
    const dueBy = sentAt + DEAD_MS;
    let lateMs = Infinity;
    while (performance.now() < dueBy + 5000) {
      const view = await (await fetch(`${daemon.url}/servers/victim`)).json();
      if (view.status === 'dead') {
        lateMs = performance.now() - dueBy;
        break;
      }
      await sleep(10);
    }
    const load = await loadRun;
    const result = row({
      section: SECTION,
      figure: 'death reported after the dead timeout, under load',
      value: round(lateMs, 1),
      unit: 'ms',
      bar: INTERVAL_MS,
      note: `dead timeout ${DEAD_MS} ms, polled every 10 ms; ${Math.round(load.requests.average)} heartbeats/s from ${SERVERS} other servers meanwhile`,
    });
    if (lateMs < 0) Object.assign(result, { pass: false, note: `EARLY: dead ${round(-lateMs, 1)} ms before its timeout; ${result.note}` });
    emit(result);
  } finally {
    await daemon.stop();
  }
}
