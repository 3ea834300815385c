// Failover (CONTRACT 10). Three masters on one etcd and a fleet heartbeating
// all three; a few servers stopped, and the fleet carries out no instruction,
// so there is always something to copy. The leader is killed with SIGKILL:
// the time until a survivor's heartbeat reply says leader on a newer epoch,
// and until such a reply carries an instruction, on this process's clock,
// against the lease (the baseline: no failover can beat it). Then heartbeat
// latency on a follower against a single master (no --etcd), same bodies,
// same state, one load at a time, alternating.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { daemonMissing, freePort, startProcess } from './daemon.mjs';
import { etcdMissing, startEtcd } from './fixtures/etcd.mjs';
import { DIST, emit, median, percentile, round, row, skipped } from './lib.mjs';

const SECTION = 'failover';
const LEASE_MS = Number(process.env.BENCH_FAILOVER_LEASE_MS ?? 2000);
const SERVERS = Number(process.env.BENCH_FAILOVER_SERVERS ?? 300);
const KILLS = Number(process.env.BENCH_FAILOVER_KILLS ?? 3);
const LATENCY_SECONDS = Number(process.env.BENCH_FAILOVER_LATENCY_SECONDS ?? 2);
const LATENCY_ROUNDS = Number(process.env.BENCH_FAILOVER_LATENCY_ROUNDS ?? 5);
const CHUNKS_PER_SERVER = 20;
const INTERVAL_MS = 1000;
const MISSED = 3;
const STOPPED = 10;
const CONNECTIONS = 16;
const TICK_MS = 5;
/** The latency loads: heartbeats in flight at once (each a full list of LATENCY_CHUNKS handles). */
const IN_FLIGHT = [1, 32];
const LATENCY_SERVERS = 1000;
const LATENCY_CHUNKS = 100;
const FAILOVER_FIGURES = ['kill -9 of the leader to the first instruction from the new leader (worst)', 'kill -9 of the leader to the new leader\'s first reply (worst)'];
const latencyFigures = (inFlight) => [`heartbeat latency p50 on a follower, ${inFlight} in flight`, `heartbeat latency p99 on a follower, ${inFlight} in flight`];

/** `serve --etcd` as `id` on `port`; resolves once it answers. */
function startMaster(etcdUrl, prefix, id, port, extra) {
  const args = (p) => [
    DIST + 'cli.js', 'serve', '--host', '127.0.0.1', '--port', String(p), '--rate-limit-max', '1000000000',
    '--etcd', etcdUrl, '--etcd-prefix', prefix, '--master-id', id, '--advertise-url', `http://127.0.0.1:${p}`, '--leader-lease-ms', String(LEASE_MS),
    ...extra,
  ];
  return startProcess(args, { port, env: { CHUNKMASTER_LOG_LEVEL: 'warn' } });
}

async function getJson(url, path) {
  const response = await fetch(url + path, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) throw new Error(`${url}${path}: ${response.status}`);
  return response.json();
}

/** Polls `probe` until it returns something; throws naming `what` after `timeoutMs`. */
async function poll(what, timeoutMs, probe) {
  const giveUpAt = performance.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => undefined);
    if (found !== undefined) return found;
    if (performance.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The one leader of `masters`, once every other follows it on its epoch. */
const settled = (masters) =>
  poll('one leader the others follow', 20_000, async () => {
    const views = await Promise.all(masters.map((m) => getJson(m.url, '/leader')));
    const leaders = views.filter((v) => v.role === 'leader');
    if (leaders.length !== 1 || !views.every((v) => v.epoch === leaders[0].epoch)) return undefined;
    return { master: masters[views.indexOf(leaders[0])], epoch: leaders[0].epoch };
  });

/**
 * The fleet's servers heartbeating every master each interval, spread over
 * it: a full list at first contact and whenever a master asks (sent at once,
 * as the fleet does, so report leases turn over fast), liveness alone
 * otherwise. Instructions are never carried out.
 */
class Beats {
  constructor(fleet, urls, HttpTransport, onReply) {
    this.fleet = fleet;
    this.transports = urls.map((url) => new HttpTransport(url, CONNECTIONS));
    this.owed = urls.map(() => new Set(fleet.servers));
    this.inFlight = urls.map(() => new Set());
    this.stopped = new Set();
    this.onReply = onReply;
    this.running = true;
    this.failed = 0;
    this.done = this.loop();
  }

  async loop() {
    const started = performance.now();
    let due = 0;
    while (this.running) {
      const now = performance.now();
      for (; started + (due / this.fleet.servers.length) * INTERVAL_MS <= now; due++) {
        const server = this.fleet.servers[due % this.fleet.servers.length];
        if (this.stopped.has(server)) continue;
        this.transports.forEach((_, i) => this.send(i, server));
      }
      await sleep(TICK_MS);
    }
  }

  send(i, server) {
    if (!this.running || this.inFlight[i].has(server)) return;
    this.inFlight[i].add(server);
    const full = this.owed[i].has(server);
    const body = full ? this.fleet.report(server) : this.fleet.state(server);
    this.transports[i].send(body).then(
      (answer) => {
        this.inFlight[i].delete(server);
        if (full) this.owed[i].delete(server);
        this.onReply(i, answer, performance.now());
        if (answer.full_report) {
          this.owed[i].add(server);
          this.send(i, server);
        }
      },
      () => {
        this.inFlight[i].delete(server);
        this.failed++;
      },
    );
  }

  async stop() {
    this.running = false;
    await this.done;
    await Promise.all(this.transports.map((transport) => transport.close()));
  }
}

async function failovers(etcdUrl, ChunkServers, HttpTransport) {
  const extra = ['--heartbeat-interval-ms', String(INTERVAL_MS), '--dead-after-missed', String(MISSED), '--safe-mode-ms', '0'];
  const ports = [await freePort(), await freePort(), await freePort()];
  const ids = ['m1', 'm2', 'm3'];
  const masters = [];
  let beats;
  let watch;
  const results = [];
  try {
    masters.push(...(await startAll(ids.map((id, i) => () => startMaster(etcdUrl, 'failover/', id, ports[i], extra)))));
    const fleet = new ChunkServers(SERVERS, CHUNKS_PER_SERVER);
    beats = new Beats(fleet, masters.map((m) => m.url), HttpTransport, (i, answer, at) => {
      if (watch === undefined || i === watch.killed || answer.role !== 'leader' || answer.epoch <= watch.epoch) return;
      watch.firstReply ??= at;
      if (answer.chunks_to_replicate.length + answer.chunks_to_delete.length > 0) watch.firstInstruction ??= at;
    });
    const live = SERVERS - STOPPED;
    const known = (alive, dead) =>
      poll(`every master knowing ${alive} servers alive and ${dead} dead`, 60_000, async () => {
        const views = await Promise.all(masters.map((m) => getJson(m.url, '/servers')));
        const count = (v, test) => v.servers.filter(test).length;
        return views.every((v) => count(v, (s) => s.status === 'alive' && s.chunks > 0) === alive && count(v, (s) => s.status === 'dead') === dead) || undefined;
      });
    // Every master hears every server in full; then some stop, and every master sees them dead.
    await known(SERVERS, 0);
    for (const server of fleet.servers.slice(0, STOPPED)) beats.stopped.add(server);
    await known(live, STOPPED);
    for (let k = 0; k < KILLS; k++) {
      const leader = await settled(masters);
      const killed = masters.indexOf(leader.master);
      const under = await getJson(leader.master.url, '/replication');
      watch = { killed, epoch: leader.epoch, killedAt: performance.now() };
      await leader.master.stop('SIGKILL');
      const seen = await poll('the new leader\'s first instruction', 30_000, async () => (watch.firstInstruction === undefined ? undefined : watch));
      results.push({ reply: seen.firstReply - seen.killedAt, instruction: seen.firstInstruction - seen.killedAt, under: under.totals });
      watch = undefined;
      // Back as a follower that knows every live server, ready to be elected in turn.
      masters[killed] = await startMaster(etcdUrl, 'failover/', ids[killed], ports[killed], extra);
      await settled(masters);
      await poll('the restarted master knowing the fleet', 60_000, async () => {
        const view = await getJson(masters[killed].url, '/servers');
        return view.servers.filter((s) => s.status === 'alive' && s.chunks > 0).length === live || undefined;
      });
    }
  } finally {
    await beats?.stop();
    await Promise.all(masters.map((m) => m.stop()));
  }
  return { results };
}

/** Runs every start at once; if one fails, stops those that started and throws. */
async function startAll(starts) {
  const started = await Promise.allSettled(starts.map((start) => start()));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed === undefined) return started.map((s) => s.value);
  await Promise.all(started.filter((s) => s.status === 'fulfilled').map((s) => s.value.stop()));
  throw failed.reason;
}

function emitFailover({ results }) {
  const instruction = results.map((r) => r.instruction);
  const reply = results.map((r) => r.reply);
  const list = (values) => values.map((v) => Math.round(v)).join('/');
  const setup = `${SERVERS} servers x ${CHUNKS_PER_SERVER} chunks heartbeating 3 masters every ${INTERVAL_MS} ms, ${STOPPED} stopped (dead on all, their chunks short: instructions are never carried out); lease ${LEASE_MS} ms (baseline), bar lease + 2 s`;
  emit(row({ section: SECTION, figure: FAILOVER_FIGURES[0], value: round(Math.max(...instruction), 0), unit: 'ms', baseline: LEASE_MS, bar: LEASE_MS + 2000, note: `${results.length} kills: ${list(instruction)} ms, median ${Math.round(median(instruction))}; ${setup}` }));
  emit(row({ section: SECTION, figure: FAILOVER_FIGURES[1], value: round(Math.max(...reply), 0), unit: 'ms', baseline: LEASE_MS, note: `a survivor's heartbeat reply saying leader on a newer epoch: ${list(reply)} ms; informational` }));
}

/** Heartbeat bodies: each server's full list, the same every time, each chunk on three servers. */
function latencyBodies() {
  const distinct = Math.ceil((LATENCY_SERVERS * LATENCY_CHUNKS) / 3);
  return Array.from({ length: LATENCY_SERVERS }, (_, s) =>
    JSON.stringify({ server: `cs${s}`, chunks: Array.from({ length: LATENCY_CHUNKS }, (_, k) => `ch_${(s * LATENCY_CHUNKS + k) % distinct}`), disk_usage_pct: 40, health: 'healthy' }),
  );
}

/** `inFlight` closed loops of heartbeats to `url` for `seconds`; each one's latency in ms. */
async function load(url, bodies, inFlight, seconds) {
  const pool = new Pool(url, { connections: inFlight, pipelining: 1 });
  const latencies = [];
  const until = performance.now() + seconds * 1000;
  let next = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const sentAt = performance.now();
      const response = await pool.request({ path: '/heartbeat', method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[next++ % bodies.length] });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`${url}: HTTP ${response.statusCode}`);
      latencies.push(performance.now() - sentAt);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  await pool.close();
  return latencies;
}

async function latencies(etcdUrl) {
  // The default liveness (5 s x 3): no server dies while the other master has the load.
  const leader = await startMaster(etcdUrl, 'latency/', 'l1', undefined, []);
  const others = [];
  try {
    await poll('l1 leading', 20_000, async () => ((await getJson(leader.url, '/leader')).role === 'leader' ? true : undefined));
    others.push(
      ...(await startAll([
        () => startMaster(etcdUrl, 'latency/', 'l2', undefined, []),
        () => startProcess((p) => [DIST + 'cli.js', 'serve', '--host', '127.0.0.1', '--port', String(p), '--rate-limit-max', '1000000000'], { env: { CHUNKMASTER_LOG_LEVEL: 'warn' } }),
      ])),
    );
    const [follower, single] = others;
    await poll('l2 following', 20_000, async () => ((await getJson(follower.url, '/leader')).role === 'follower' ? true : undefined));
    const bodies = latencyBodies();
    // Both hold the whole map before anything is measured.
    for (const target of [single, follower]) await load(target.url, bodies, 32, 1);
    const out = [];
    for (const inFlight of IN_FLIGHT) {
      const runs = { single: [], follower: [] };
      for (let r = 0; r < LATENCY_ROUNDS; r++) {
        runs.single.push(await load(single.url, bodies, inFlight, LATENCY_SECONDS));
        runs.follower.push(await load(follower.url, bodies, inFlight, LATENCY_SECONDS));
      }
      out.push({ inFlight, runs, role: (await getJson(follower.url, '/leader')).role });
    }
    return out;
  } finally {
    await Promise.all([leader, ...others].map((m) => m.stop()));
  }
}

function emitLatency(loads) {
  for (const { inFlight, runs, role } of loads) {
    const at = (p, side) => median(runs[side].map((latencies) => percentile(latencies, p)));
    const per = (p, side) => runs[side].map((latencies) => round(percentile(latencies, p), 3)).join('/');
    const beats = (side) => runs[side].reduce((n, latencies) => n + latencies.length, 0);
    const note = (p) =>
      `median of ${LATENCY_ROUNDS} alternating runs of ${LATENCY_SECONDS} s, ${LATENCY_SERVERS} servers x ${LATENCY_CHUNKS} chunks, full lists; ` +
      `follower (${role} at the end) ${per(p, 'follower')} ms over ${beats('follower')} heartbeats, single master ${per(p, 'single')} ms over ${beats('single')} (baseline)`;
    const [p50, p99] = latencyFigures(inFlight);
    emit(row({ section: SECTION, figure: p50, value: round(at(50, 'follower'), 3), unit: 'ms', baseline: round(at(50, 'single'), 3), bar: 1.1, barOn: 'ratio', note: `${note(50)}; bar: not slower, 10% for noise` }));
    emit(row({ section: SECTION, figure: p99, value: round(at(99, 'follower'), 2), unit: 'ms', baseline: round(at(99, 'single'), 2), note: `${note(99)}; informational` }));
  }
}

const missing = daemonMissing() ?? etcdMissing();
if (missing !== undefined) {
  for (const figure of [...FAILOVER_FIGURES, ...IN_FLIGHT.flatMap(latencyFigures)]) emit(skipped(SECTION, figure, missing));
} else {
  const { ChunkServers } = await import(pathToFileURL(DIST + 'fleet/chunk-servers.js').href);
  const { HttpTransport } = await import(pathToFileURL(DIST + 'fleet/transport.js').href);
  const etcd = await startEtcd();
  try {
    emitFailover(await failovers(etcd.url, ChunkServers, HttpTransport));
    emitLatency(await latencies(etcd.url));
  } finally {
    await etcd.stop();
  }
}
