import { parseArgs } from 'node:util';
import type { CoreConfig } from '../core/index.js';
import { LEASE_MS } from './election.js';
import { DEFAULT_PART_SIZE, REPORT_MODES, type ReportMode } from './reporting.js';
import { type SimOptions, simulate } from './simulate.js';
import { type RunShape, formatSummary, reproduction } from './summary.js';

export const SIMULATE_USAGE = `usage: chunkmaster simulate [--seed N] [--servers N] [--chunks N] [--minutes N]
                           [--replication-factor N] [--max-replication-streams N]
                           [--report full|incremental|mixed] [--report-part-size N] [--masters N]
       chunkmaster simulate --seeds A..B [same flags but --seed]
       chunkmaster simulate --sweep N [--seed N] [--replication-factor N] [--max-replication-streams N]
                           [--report full|incremental|mixed] [--report-part-size N] [--masters N]

Runs one deterministic fault simulation (the real master behind its real
driver and protocol layer, simulated chunk servers, virtual time), checks its
invariants and prints a hash of its trace: one seed always replays the same
run. --seeds runs every seed from A to B in one shape, a line each; --sweep
runs about N seeds from --seed on in each of four fleet shapes (fewer of the
bigger ones). Exit 1 on a broken invariant, with the line that reproduces it.
--report: how servers report their chunks: full (default: a full list on
some heartbeats), incremental (changes, a full list when the master asks,
split in parts past --report-part-size handles, default ${DEFAULT_PART_SIZE}), or mixed.
--masters: 1 (default: one master, no election) or several (CONTRACT 10):
every server heartbeats each master and heeds only the highest epoch it has
seen; an etcd-like election on ${LEASE_MS} ms leases picks the leader; faults add
leader crashes, leader pauses past the lease, etcd out of reach and one master
cut off from the servers. A sweep runs every seed with that many masters
(run it once with --masters 1 and once with --masters 3 for both kinds) and
ends with the count of each fault kind it injected.
`;

interface Flag {
  name: string;
  min: number;
  max: number;
  fallback: number;
}

const MAX_SEED = 0xffffffff;
const FLAGS: Flag[] = [
  { name: 'seed', min: 0, max: MAX_SEED, fallback: 1 },
  { name: 'servers', min: 1, max: 10000, fallback: 50 },
  { name: 'chunks', min: 0, max: 10_000_000, fallback: 5000 },
  { name: 'minutes', min: 1, max: 100000, fallback: 60 },
  { name: 'replication-factor', min: 1, max: 100, fallback: 3 },
  { name: 'max-replication-streams', min: 1, max: 1000, fallback: 2 },
  { name: 'sweep', min: 1, max: 100000, fallback: 0 },
  { name: 'report-part-size', min: 1, max: 1_000_000, fallback: DEFAULT_PART_SIZE },
  { name: 'masters', min: 1, max: 7, fallback: 1 },
];

/** The sweep's fleet shapes, small to large; each runs about sweep * 6 / servers seeds. */
const SWEEP_SHAPES = [
  { servers: 6, chunks: 120, minutes: 15 },
  { servers: 12, chunks: 400, minutes: 20 },
  { servers: 30, chunks: 1500, minutes: 30 },
  { servers: 50, chunks: 5000, minutes: 60 },
];

export interface SimulateIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

interface Parsed {
  values: Map<string, number>;
  given: Set<string>;
  seeds: [number, number] | undefined;
  report: ReportMode;
  help: boolean;
}

/** What every run of one command shares besides its flags: a test may hand in a rogue master. */
type RunOptions = Pick<SimOptions, 'master'>;

/** `chunkmaster simulate ...`: returns the process exit code. */
export function runSimulateCommand(args: readonly string[], io: SimulateIo, extra: RunOptions = {}): number {
  let parsed: Parsed;
  try {
    parsed = parseFlags(args);
  } catch (error) {
    io.err(`chunkmaster simulate: ${(error as Error).message}\n\n${SIMULATE_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.out(SIMULATE_USAGE);
    return 0;
  }
  const get = (name: string) => parsed.values.get(name) as number;
  const core: Partial<CoreConfig> = {
    replicationFactor: get('replication-factor'),
    maxReplicationStreams: get('max-replication-streams'),
  };
  const reporting = { report: parsed.report, partSize: get('report-part-size'), masters: get('masters') };
  const shape = { servers: get('servers'), chunks: get('chunks'), minutes: get('minutes'), ...reporting };
  const batch: Batch = { core, io, extra };
  if (parsed.seeds !== undefined) return verdict(runBatch(shape, parsed.seeds, batch, true), io);
  if (parsed.given.has('sweep')) return runSweep(get('sweep'), get('seed'), reporting, batch);
  const summary = simulate({ seed: get('seed'), ...shape, core, ...extra });
  io.out(formatSummary(summary));
  if (summary.violations.length === 0) return 0;
  io.err(`reproduce with: ${reproduction(summary, core)}\n`);
  return 1;
}

type Shape = Omit<RunShape, 'seed'>;

interface Batch {
  core: Partial<CoreConfig>;
  io: SimulateIo;
  extra: RunOptions;
  /** Faults injected by kind, over every run of the batch. */
  faults?: Map<string, number>;
}

/** Seeds `from` to `to` of one shape; returns how many broke an invariant. */
function runBatch(shape: Shape, [from, to]: [number, number], { core, io, extra, faults }: Batch, eachLine: boolean): number {
  let failures = 0;
  for (let seed = from; seed <= to; seed++) {
    const summary = simulate({ seed, ...shape, core, ...extra });
    for (const [kind, count] of faults === undefined ? [] : summary.faults) faults?.set(kind, (faults.get(kind) ?? 0) + count);
    const ok = summary.violations.length === 0;
    if (eachLine) io.out(`seed ${seed}: trace ${summary.traceHash} ${ok ? 'ok' : 'BROKEN'}\n`);
    if (ok) continue;
    failures++;
    io.out(`FAIL ${reproduction(summary, core)}\n  ${summary.violations.join('\n  ')}\n`);
  }
  return failures;
}

function runSweep(seeds: number, from: number, reporting: Pick<Shape, 'report' | 'partSize' | 'masters'>, batch: Batch): number {
  let failures = 0;
  const faults = new Map<string, number>();
  const started = performance.now();
  let runs = 0;
  for (const fleet of SWEEP_SHAPES) {
    const shape = { ...fleet, ...reporting };
    // Bigger fleets cost more per run: fewer seeds of them.
    const count = Math.max(1, Math.round((seeds * 6) / shape.servers));
    const began = performance.now();
    failures += runBatch(shape, [from, Math.min(MAX_SEED, from + count - 1)], { ...batch, faults }, false);
    runs += count;
    const took = ((performance.now() - began) / 1000).toFixed(1);
    batch.io.out(`${count} seeds of ${shape.servers} servers / ${shape.chunks} chunks / ${shape.minutes} min: ${took} s\n`);
  }
  const kinds = [...faults].sort(([a], [b]) => a.localeCompare(b)).map(([kind, count]) => `${kind}=${count}`);
  const masters = (reporting.masters ?? 1) > 1 ? `, ${reporting.masters} masters each,` : '';
  batch.io.out(`${runs} runs${masters} in ${((performance.now() - started) / 1000).toFixed(1)} s; faults: ${kinds.join(' ') || 'none'}\n`);
  return verdict(failures, batch.io);
}

function verdict(failures: number, io: SimulateIo): number {
  io.out(failures === 0 ? 'all invariants held\n' : `${failures} runs broke an invariant\n`);
  return failures === 0 ? 0 : 1;
}

function parseFlags(args: readonly string[]): Parsed {
  const options = Object.fromEntries(FLAGS.map((f) => [f.name, { type: 'string' as const }]));
  const { values } = parseArgs({
    args: [...args],
    options: { ...options, seeds: { type: 'string' }, report: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  const raws = values as Record<string, string | boolean | undefined>;
  const parsed: Parsed = { values: new Map(), given: new Set(), seeds: undefined, report: reportMode(values.report), help: values.help === true };
  for (const flag of FLAGS) {
    const raw = raws[flag.name];
    if (typeof raw === 'string') parsed.given.add(flag.name);
    parsed.values.set(flag.name, typeof raw === 'string' ? integer(flag, raw) : flag.fallback);
  }
  if (typeof values.seeds === 'string') parsed.seeds = seedRange(values.seeds);
  const clash = parsed.seeds !== undefined ? ['seed', 'sweep'] : parsed.given.has('sweep') ? ['servers', 'chunks', 'minutes'] : [];
  const mode = parsed.seeds !== undefined ? '--seeds' : '--sweep';
  for (const name of clash) if (parsed.given.has(name)) throw new Error(`--${name} does not go with ${mode}`);
  return parsed;
}

function reportMode(raw: string | undefined): ReportMode {
  if (raw === undefined) return 'full';
  const mode = REPORT_MODES.find((name) => name === raw);
  if (mode === undefined) throw new Error(`--report: expected one of ${REPORT_MODES.join(', ')}, got ${JSON.stringify(raw)}`);
  return mode;
}

function integer(flag: Flag, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < flag.min || value > flag.max) {
    throw new Error(`--${flag.name}: expected an integer from ${flag.min} to ${flag.max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function seedRange(raw: string): [number, number] {
  const match = /^(\d+)\.\.(\d+)$/.exec(raw);
  const [from, to] = [Number(match?.[1]), Number(match?.[2])];
  if (match === null || from > to || to > MAX_SEED) {
    throw new Error(`--seeds: expected A..B, seeds from A to B (A <= B <= ${MAX_SEED}), got ${JSON.stringify(raw)}`);
  }
  return [from, to];
}
