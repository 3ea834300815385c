// Fleet capacity, in process (run with --expose-gc): 10,000 servers x 10,000
// chunks, RF 3 (100M replicas, 33.3M chunks), built from freshly parsed full
// reports. Every body is built as a string and parsed just before the core
// sees it, as the daemon does, so no handle string is seen twice.
// Handles are 16-digit decimal numbers, the form GFS and HDFS give theirs;
// the text-handle row runs the same re-report with `ch_`-prefixed handles.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { resizableBytesInUse } from '../dist/core/arrays.js';
import { Master } from '../dist/core/index.js';
import { CoreDriver } from '../dist/runtime/driver.js';
import { emit, median, round, row, settle } from './lib.mjs';

const SECTION = 'fleet capacity';
const SERVERS = Number(process.env.BENCH_CAP_SERVERS ?? 10_000);
const PER_SERVER = Number(process.env.BENCH_CAP_CHUNKS ?? 10_000);
const RF = 3;
const CHUNKS = Math.floor((SERVERS * PER_SERVER) / RF);
const SAMPLES = 40;

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

const serverId = (s) => `cs${String(s).padStart(5, '0')}`;
const numeric = (j) => String(1e15 + j * 7919);
const text = (j) => `ch_${j.toString(36)}`;

/** Chunk j lives on servers j, j + 1, j + 2 (mod SERVERS): server s holds those with j = s, s - 1, s - 2. */
function chunksOf(s) {
  const list = [];
  for (let j = 0; j < CHUNKS; j += SERVERS) {
    for (let k = RF - 1; k >= 0; k--) {
      const c = j + ((s - k + SERVERS) % SERVERS);
      if (c < CHUNKS) list.push(c);
    }
  }
  return list;
}

/** A fresh body, parsed: what the transport hands the core. */
function fullReport(s, name, extra = []) {
  const chunks = chunksOf(s).map(name).concat(extra);
  return JSON.parse(JSON.stringify({ server: serverId(s), chunks }));
}

function settledMemory() {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  // The core's largest tables sit in resizable buffers, which arrayBuffers leaves out.
  return heapUsed + arrayBuffers + resizableBytesInUse();
}

function load(name) {
  const before = settledMemory();
  const master = new Master(0, { safeModeMs: 0 });
  let coreMs = 0;
  const started = performance.now();
  for (let s = 0; s < SERVERS; s++) {
    const body = fullReport(s, name);
    const t0 = performance.now();
    master.heartbeat(1, body);
    // As a driver would: a report past the per-turn budget is applied in steps from tick().
    settle(master, 1);
    coreMs += performance.now() - t0;
  }
  const loadS = (performance.now() - started) / 1000;
  const replicas = master.stats().replicas;
  if (replicas !== CHUNKS * RF) throw new Error(`built ${replicas} replicas, not ${CHUNKS * RF}`);
  const bytes = (settledMemory() - before) / replicas;
  return { master, loadS, coreS: coreMs / 1000, bytes, replicas };
}

/** Unchanged full reports of sampled servers: the core's ns per handle, and JSON.parse's of the same bodies. */
function unchangedReport(master, name) {
  const core = [];
  const parse = [];
  for (let i = 0; i < SAMPLES; i++) {
    const s = (i * 7919) % SERVERS;
    const text = JSON.stringify({ server: serverId(s), chunks: chunksOf(s).map(name) });
    let t0 = performance.now();
    const body = JSON.parse(text);
    parse.push(((performance.now() - t0) * 1e6) / body.chunks.length);
    t0 = performance.now();
    master.heartbeat(2, body);
    core.push(((performance.now() - t0) * 1e6) / body.chunks.length);
    // Timed whole only if nothing was left to tick(): the refresh must be checked in the heartbeat.
    if (master.nextDeadline() === 2) throw new Error('an unchanged full report was left to steps: the figure would leave its work out');
  }
  return { coreNs: median(core.slice(5)), parseNs: median(parse.slice(5)) };
}

/** Heartbeats of 5 new chunks and 5 lost ones, round the fleet; against a liveness-only heartbeat. */
function incremental(master, name) {
  const changes = [];
  const liveness = [];
  let next = CHUNKS;
  for (let i = 0; i < 2_000; i++) {
    const s = (i * 7919) % SERVERS;
    const held = chunksOf(s);
    const added = Array.from({ length: 5 }, () => name(next++));
    const removed = held.slice(i % 100, (i % 100) + 5).map(name);
    const body = JSON.parse(JSON.stringify({ server: serverId(s), chunksAdded: added, chunksRemoved: removed }));
    let t0 = performance.now();
    master.heartbeat(3, body);
    changes.push((performance.now() - t0) * 1000);
    const bare = JSON.parse(JSON.stringify({ server: serverId((s + 1) % SERVERS) }));
    t0 = performance.now();
    master.heartbeat(3, bare);
    liveness.push((performance.now() - t0) * 1000);
  }
  return { changesUs: median(changes.slice(200)), livenessUs: median(liveness.slice(200)) };
}

/**
 * A new server reports a million chunks in 100 split parts: the core queues
 * the assembled report and the real CoreDriver applies it in steps. The
 * longest event-loop block against the whole apply time (what one go took).
 */
async function millionHandleReport(master, name) {
  const PARTS = 100;
  const PART = 10_000;
  const id = 'cs-big';
  const first = CHUNKS + 1_000_000;
  const bodies = Array.from({ length: PARTS }, (_, part) => {
    const chunks = Array.from({ length: PART }, (_, k) => name(first + part * PART + k));
    return JSON.stringify({ server: id, chunks, report: { id: 'r1', part, parts: PARTS } });
  });
  // The master last heard at 3 ms (see incremental): its clock goes on from there.
  const origin = performance.now() - 3;
  const driver = new CoreDriver(master, { now: () => performance.now() - origin });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const started = performance.now();
  delay.enable();
  driver.run((now) => master.tick(now));
  for (const body of bodies) {
    driver.run((now) => master.heartbeat(now, JSON.parse(body)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (master.replicaCount(id) < PARTS * PART && performance.now() - started < 120_000) await new Promise((resolve) => setTimeout(resolve, 5));
  const totalMs = performance.now() - started;
  delay.disable();
  driver.close();
  return { maxBlockMs: delay.max / 1e6, totalMs, held: master.replicaCount(id) };
}

function section(name, label, withLoad) {
  const built = load(name);
  const scale = `${SERVERS} servers x ${PER_SERVER} chunks, RF ${RF}: ${built.replicas} replicas`;
  if (withLoad) {
    emit(row({ section: SECTION, figure: `load from fresh full reports (${scale})`, value: round(built.loadS, 1), unit: 's', note: `of which the core ${round(built.coreS, 1)} s; the rest builds and parses the bodies` }));
    emit(row({ section: SECTION, figure: 'memory per replica (heap, array buffers and resizable buffers; whole Master)', value: round(built.bytes, 1), unit: 'B', bar: 64, note: `${label} handles` }));
  }
  const unchanged = unchangedReport(built.master, name);
  emit(row({ section: SECTION, figure: `unchanged full report, ${label} handles: core per handle (median)`, value: round(unchanged.coreNs, 1), unit: 'ns', baseline: round(unchanged.parseNs, 1), bar: withLoad ? 150 : undefined, note: `baseline: JSON.parse of the same body, per handle; ${scale}` }));
  if (!withLoad) return;
  const inc = incremental(built.master, name);
  emit(row({ section: SECTION, figure: 'incremental heartbeat of 10 changes in the core (median)', value: round(inc.changesUs, 2), unit: 'us', baseline: round(inc.livenessUs, 2), bar: 20, note: 'baseline: a liveness-only heartbeat on the same state' }));
  return built.master;
}

const master = section(numeric, 'numeric', true);
const big = await millionHandleReport(master, numeric);
emit(row({ section: SECTION, figure: 'a 1,000,000-handle split report (100 parts): longest event-loop block', value: round(big.maxBlockMs, 1), unit: 'ms', baseline: round(big.totalMs, 0), bar: 50, note: `baseline: the whole report's time from first part to last replica written (${big.held} written), about what one go would hold the loop; on the real CoreDriver, parts parsed as they arrive` }));
globalThis.gc();
if (process.env.BENCH_CAP_TEXT !== '0') section(text, 'text', false);
