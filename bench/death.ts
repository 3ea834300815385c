/**
 * One death of a server holding 1M replicas: how long does the master block
 * the event loop at a time, and how long until the loss is fully filed?
 * Run: npm run bench:death
 */
import { performance } from 'node:perf_hooks';
import type { Master } from '../src/core/index.js';
import { percentile } from '../src/fleet/stats.js';
import { masterWithBigHolder } from './fixtures/big-holder.js';

const CHUNKS = Number(process.env['BENCH_CHUNKS'] ?? 1_000_000);
const SERVERS = 100;
const INTERVAL = 5000;

function build(): Master {
  return masterWithBigHolder(CHUNKS, SERVERS);
}

function main(): void {
  const t0 = performance.now();
  const master = build();
  const built = performance.now() - t0;
  // Everyone but cs0 keeps heartbeating; cs0 dies at 15 s.
  for (let s = 1; s < SERVERS; s++) master.heartbeat(INTERVAL * 2, { server: `cs${s}` });
  const deathAt = INTERVAL * 3;
  let ticks = 0;
  let maxTick = 0;
  const tickMs: number[] = [];
  let heartbeats = 0;
  let maxHeartbeat = 0;
  const start = performance.now();
  let now = deathAt;
  for (;;) {
    const due = master.nextDeadline();
    if (due === undefined || due > now) break;
    const before = performance.now();
    master.tick(now);
    maxTick = Math.max(maxTick, performance.now() - before);
    tickMs.push(performance.now() - before);
    ticks++;
    // Heartbeats keep arriving between ticks, as they would on a live event loop.
    const hbStart = performance.now();
    master.heartbeat(now, { server: `cs${1 + (ticks % (SERVERS - 1))}` });
    maxHeartbeat = Math.max(maxHeartbeat, performance.now() - hbStart);
    heartbeats++;
    now += 1;
  }
  const total = performance.now() - start;
  const underStart = performance.now();
  const under = master.checkReplication(now).length;
  const checkMs = performance.now() - underStart;
  // A minute of normal heartbeats from the survivors: each may run a planning round.
  const rounds: number[] = [];
  for (let step = 0; step < 12; step++) {
    for (let s = 1; s < SERVERS; s++) {
      now += INTERVAL / SERVERS;
      const before = performance.now();
      master.heartbeat(now, { server: `cs${s}` });
      master.tick(now);
      rounds.push(performance.now() - before);
    }
  }
  console.log(JSON.stringify({
    chunks: CHUNKS,
    replicasOnDeadServer: CHUNKS,
    buildMs: Math.round(built),
    ticks,
    maxTickMs: +maxTick.toFixed(2),
    medianTickMs: +percentile(tickMs, 50).toFixed(2),
    p99TickMs: +percentile(tickMs, 99).toFixed(2),
    maxHeartbeatDuringSweepMs: +maxHeartbeat.toFixed(2),
    totalSweepMs: Math.round(total),
    underReplicatedAfter: under,
    checkReplicationMs: Math.round(checkMs),
    pendingCopiesAfterRounds: master.replicationState(now).pendingCopies,
    maxHeartbeatWithPlanningRoundMs: +Math.max(...rounds).toFixed(2),
  }, null, 2));
}

main();
