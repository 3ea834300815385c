// Failover (CONTRACT 10). Three masters on one etcd and a fleet heartbeating
// all three; a few servers stopped, and the fleet carries out no instruction,
// so there is always something to copy. The leader is killed with SIGKILL:
// the time until a survivor's heartbeat reply says leader on a newer epoch,
// and until such a reply carries an instruction, on this process's clock,
// against the lease (the baseline: no failover can beat it). Then heartbeat
// latency on followers against single masters (fixtures/follower-latency.mjs).
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { daemonMissing, freePort } from './daemon.mjs';
import { etcdMissing, startEtcd } from './fixtures/etcd.mjs';
import { emitLatency, latencies, latencyFigures } from './fixtures/follower-latency.mjs';
import { getJson, poll, startAll, startMaster } from './fixtures/masters.mjs';
import { DIST, emit, median, round, row, skipped } from './lib.mjs';

const SECTION = 'failover';
const LEASE_MS = Number(process.env.BENCH_FAILOVER_LEASE_MS ?? 2000);
const SERVERS = Number(process.env.BENCH_FAILOVER_SERVERS ?? 300);
const KILLS = Number(process.env.BENCH_FAILOVER_KILLS ?? 3);
const CHUNKS_PER_SERVER = 20;
const INTERVAL_MS = 1000;
const MISSED = 3;
const STOPPED = 10;
const CONNECTIONS = 16;
const TICK_MS = 5;
const FAILOVER_FIGURES = ['kill -9 of the leader to the first instruction from the new leader (worst)', 'kill -9 of the leader to the new leader\'s first reply (worst)'];

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
    masters.push(...(await startAll(ids.map((id, i) => () => startMaster(etcdUrl, 'failover/', id, ports[i], { leaseMs: LEASE_MS, extra })))));
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
      masters[killed] = await startMaster(etcdUrl, 'failover/', ids[killed], ports[killed], { leaseMs: LEASE_MS, extra });
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

function emitFailover({ results }) {
  const instruction = results.map((r) => r.instruction);
  const reply = results.map((r) => r.reply);
  const list = (values) => values.map((v) => Math.round(v)).join('/');
  const setup = `${SERVERS} servers x ${CHUNKS_PER_SERVER} chunks heartbeating 3 masters every ${INTERVAL_MS} ms, ${STOPPED} stopped (dead on all, their chunks short: instructions are never carried out); lease ${LEASE_MS} ms (baseline), bar lease + 2 s`;
  emit(row({ section: SECTION, figure: FAILOVER_FIGURES[0], value: round(Math.max(...instruction), 0), unit: 'ms', baseline: LEASE_MS, bar: LEASE_MS + 2000, note: `${results.length} kills: ${list(instruction)} ms, median ${Math.round(median(instruction))}; ${setup}` }));
  emit(row({ section: SECTION, figure: FAILOVER_FIGURES[1], value: round(Math.max(...reply), 0), unit: 'ms', baseline: LEASE_MS, note: `a survivor's heartbeat reply saying leader on a newer epoch: ${list(reply)} ms; informational` }));
}

const missing = daemonMissing() ?? etcdMissing();
if (missing !== undefined) {
  for (const figure of [...FAILOVER_FIGURES, ...latencyFigures()]) emit(skipped(SECTION, figure, missing));
} else {
  const { ChunkServers } = await import(pathToFileURL(DIST + 'fleet/chunk-servers.js').href);
  const { HttpTransport } = await import(pathToFileURL(DIST + 'fleet/transport.js').href);
  const etcd = await startEtcd();
  try {
    emitFailover(await failovers(etcd.url, ChunkServers, HttpTransport));
    emitLatency(SECTION, await latencies(etcd.url, LEASE_MS));
  } finally {
    await etcd.stop();
  }
}
