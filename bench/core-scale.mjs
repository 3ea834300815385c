// Core at scale, in process (run with --expose-gc): 10,000 servers and
// 1,000,000 chunks x RF 3 built through full-report heartbeats. Heap figures
// are for the whole Master (location map, registry, planner, everything).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Master } from '../dist/core/index.js';
import { ReplicaMap } from '../dist/core/replicas.js';
import { CoreDriver } from '../dist/runtime/driver.js';
import { emit, median, round, row, settle } from './lib.mjs';

const SECTION = 'core at scale';
const SERVERS = Number(process.env.BENCH_SERVERS ?? 10_000);
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 1_000_000);
const RF = 3;
const REREPORT = 1_000;
const DOOMED_REPLICAS = Math.min(100_000, CHUNKS);
const DEAD_AFTER_MS = 15_000;

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

const serverIds = Array.from({ length: SERVERS }, (_, s) => `cs${String(s).padStart(5, '0')}`);
/** Server 0 holds DOOMED_REPLICAS chunks and dies; server 1 holds REREPORT and re-reports them. */
const DOOMED = 0;
const REREPORTER = 1;

function handle(chunk) {
  return `ch_${String(chunk).padStart(7, '0')}`;
}

/**
 * Every chunk gets exactly RF holders, so the planner has nothing to do until
 * the death: the first DOOMED_REPLICAS chunks live on server 0, the next
 * REREPORT on server 1, each plus RF - 1 of the rest; the rest on RF of the rest.
 */
function reports() {
  const lists = Array.from({ length: SERVERS }, () => []);
  const others = SERVERS - 2;
  for (let c = 0; c < CHUNKS; c++) {
    const h = handle(c);
    const x = c % others;
    const first = c < DOOMED_REPLICAS ? DOOMED : c < DOOMED_REPLICAS + REREPORT ? REREPORTER : undefined;
    const holders = first === undefined ? RF : RF - 1;
    if (first !== undefined) lists[first].push(h);
    for (let k = 0; k < holders; k++) lists[2 + ((x + k) % others)].push(h);
  }
  return lists;
}

function settledMemory() {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  // Typed arrays live outside the JS heap: count them too, or a compact layout looks free.
  return heapUsed + arrayBuffers;
}

function baselineBytesPerReplica() {
  // Measured from before the handles exist: the strings are part of what a layout keeps.
  const before = settledMemory();
  let lists = reports();
  const layout = new Map();
  for (let s = 0; s < SERVERS; s++) {
    for (const chunk of lists[s]) {
      let holders = layout.get(chunk);
      if (holders === undefined) layout.set(chunk, (holders = new Set()));
      holders.add(serverIds[s]);
    }
  }
  lists = undefined;
  const bytes = (settledMemory() - before) / (CHUNKS * RF);
  // Read the layout after measuring so it cannot be collected before.
  if (layout.size !== CHUNKS) throw new Error(`baseline holds ${layout.size} chunks`);
  return bytes;
}

/** The location map on its own, to tell its share from the rest of the Master's. */
function replicaMapBytesPerReplica() {
  const before = settledMemory();
  let lists = reports();
  const map = new ReplicaMap();
  for (let s = 0; s < SERVERS; s++) for (const h of lists[s]) map.add(s, map.intern(h));
  lists = undefined;
  const bytes = (settledMemory() - before) / (CHUNKS * RF);
  if (map.size !== CHUNKS * RF) throw new Error(`the map holds ${map.size} replicas`);
  return bytes;
}

function buildMaster() {
  const before = settledMemory();
  let lists = reports();
  const master = new Master(0, { safeModeMs: 0 });
  const started = performance.now();
  for (let s = 0; s < SERVERS; s++) master.heartbeat(0, { server: serverIds[s], chunks: lists[s] });
  // As a driver would: reports past the per-turn budget are applied in steps from tick().
  settle(master, 0);
  const buildMs = performance.now() - started;
  const rereport = lists[REREPORTER];
  lists = undefined;
  if (master.stats().replicas !== CHUNKS * RF) throw new Error(`built ${master.stats().replicas} replicas`);
  const bytes = (settledMemory() - before) / (CHUNKS * RF);
  return { master, bytes, buildMs, rereport };
}

function timeRereport(master, handles) {
  const server = serverIds[REREPORTER];
  const lookups = new Map();
  for (let c = 0; c < CHUNKS; c++) lookups.set(handle(c), c);
  const ours = [];
  const bare = [];
  let sink = 0;
  for (let round = 0; round < 3000; round++) {
    let t0 = performance.now();
    master.heartbeat(1, { server, chunks: handles });
    ours.push(performance.now() - t0);
    t0 = performance.now();
    for (let i = 0; i < handles.length; i++) sink += lookups.get(handles[i]);
    bare.push(performance.now() - t0);
  }
  if (master.replicaCount(server) !== REREPORT || sink < 0) throw new Error('re-report changed state');
  // The first rounds warm up the JIT; the median of the rest is the figure.
  return { oursUs: median(ours.slice(500)) * 1000, bareUs: median(bare.slice(500)) * 1000 };
}

/** A bare loop deleting the same number of entries from a Set: what "one pass" costs at least. */
function bareDeletionMs() {
  const set = new Set();
  for (let i = 0; i < DOOMED_REPLICAS; i++) set.add(i);
  const t0 = performance.now();
  for (let i = 0; i < DOOMED_REPLICAS; i++) set.delete(i);
  return performance.now() - t0;
}

/**
 * A server holding DOOMED_REPLICAS replicas goes silent while the others keep
 * heartbeating; the real CoreDriver (its timer, setTimeout between ticks)
 * drives the death on a clock we shift to just before the deadline.
 */
async function timeDeath(master) {
  const doomed = serverIds[DOOMED];
  if (master.replicaCount(doomed) !== DOOMED_REPLICAS) throw new Error(`${doomed} holds ${master.replicaCount(doomed)}`);
  for (const id of serverIds) if (id !== doomed) master.heartbeat(DEAD_AFTER_MS - 5_000, { server: id });
  // Its one and only heartbeat was at 0.
  const dueAt = DEAD_AFTER_MS;
  const origin = performance.now() - (dueAt - 100);
  const driver = new CoreDriver(master, { now: () => performance.now() - origin });
  let deadAt;
  driver.onEvent((event) => {
    if (event.type === 'server_dead' && event.server === doomed) deadAt = driver.now();
  });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  driver.run((now) => master.tick(now));
  let finishedAt;
  const giveUpAt = performance.now() + 10_000;
  while (performance.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const now = driver.now();
    const next = master.nextDeadline();
    if (deadAt !== undefined && master.replicaCount(doomed) === 0 && (next === undefined || next > now)) {
      finishedAt = now;
      break;
    }
  }
  delay.disable();
  driver.close();
  return { maxBlockMs: delay.max / 1e6, processedMs: finishedAt === undefined ? Infinity : finishedAt - dueAt };
}

const baselineBytes = baselineBytesPerReplica();
const mapBytes = replicaMapBytesPerReplica();
const { master, bytes, buildMs, rereport: rereportHandles } = buildMaster();
emit(row({ section: SECTION, figure: 'heap per replica (bytes, heap + array buffers)', value: round(bytes, 1), unit: 'B', baseline: round(baselineBytes, 1), bar: 64, note: `baseline: Map<string, Set<string>>; ${SERVERS} servers, ${CHUNKS} chunks x RF ${RF}` }));
emit(row({ section: SECTION, figure: 'of which the location map (ReplicaMap with its handles)', value: round(mapBytes, 1), unit: 'B', baseline: round(baselineBytes, 1), note: 'informational' }));
emit(row({ section: SECTION, figure: `build ${CHUNKS * RF} replicas by full reports`, value: round(buildMs, 0), unit: 'ms', note: 'informational' }));
const rereport = timeRereport(master, rereportHandles);
emit(row({ section: SECTION, figure: `unchanged re-report of ${REREPORT} chunks (median)`, value: round(rereport.oursUs, 1), unit: 'us', baseline: round(rereport.bareUs, 1), bar: 100, note: 'baseline: Map lookups of the same handles' }));
const bareMs = bareDeletionMs();
const death = await timeDeath(master);
emit(row({ section: SECTION, figure: `death of a server holding ${DOOMED_REPLICAS} replicas: max event-loop block`, value: round(death.maxBlockMs, 1), unit: 'ms', baseline: round(bareMs, 1), bar: 50, note: 'baseline: deleting as many entries from a Set' }));
emit(row({ section: SECTION, figure: 'death fully processed after its deadline', value: round(death.processedMs, 1), unit: 'ms', bar: 1000 }));
