import { parseArgs } from 'node:util';
import type { CoreConfig } from '../core/index.js';
import { type SimSummary, simulate } from './simulate.js';

export const SIMULATE_USAGE = `usage: chunkmaster simulate [--seed N] [--servers N] [--chunks N] [--minutes N]
                           [--replication-factor N] [--max-replication-streams N]

Runs one deterministic fault simulation (the real master, simulated chunk
servers, virtual time) and checks its invariants. Exit 1 on a broken invariant.
`;

interface Flag {
  name: string;
  min: number;
  max: number;
  fallback: number;
}

const FLAGS: Flag[] = [
  { name: 'seed', min: 0, max: 0xffffffff, fallback: 1 },
  { name: 'servers', min: 1, max: 10000, fallback: 50 },
  { name: 'chunks', min: 0, max: 10_000_000, fallback: 5000 },
  { name: 'minutes', min: 1, max: 100000, fallback: 60 },
  { name: 'replication-factor', min: 1, max: 100, fallback: 3 },
  { name: 'max-replication-streams', min: 1, max: 1000, fallback: 2 },
];

export interface SimulateIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** `chunkmaster simulate ...`: returns the process exit code. */
export function runSimulateCommand(args: readonly string[], io: SimulateIo): number {
  let values: Map<string, number>;
  try {
    values = parseFlags(args);
  } catch (error) {
    io.err(`chunkmaster simulate: ${(error as Error).message}\n\n${SIMULATE_USAGE}`);
    return 2;
  }
  if (values.has('help')) {
    io.out(SIMULATE_USAGE);
    return 0;
  }
  const get = (name: string) => values.get(name) as number;
  const core: Partial<CoreConfig> = {
    replicationFactor: get('replication-factor'),
    maxReplicationStreams: get('max-replication-streams'),
  };
  const summary = simulate({ seed: get('seed'), servers: get('servers'), chunks: get('chunks'), minutes: get('minutes'), core });
  io.out(formatSummary(summary));
  if (summary.violations.length === 0) return 0;
  io.err(`reproduce with: ${reproduction(summary, core)}\n`);
  return 1;
}

function parseFlags(args: readonly string[]): Map<string, number> {
  const options = Object.fromEntries(FLAGS.map((f) => [f.name, { type: 'string' as const }]));
  const { values } = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true });
  const parsed = new Map<string, number>();
  if (values.help === true) parsed.set('help', 1);
  for (const flag of FLAGS) {
    const raw = (values as Record<string, string | boolean | undefined>)[flag.name];
    const value = typeof raw === 'string' ? Number(raw) : flag.fallback;
    if (!Number.isSafeInteger(value) || value < flag.min || value > flag.max || (typeof raw === 'string' && raw.trim() === '')) {
      throw new Error(`--${flag.name}: expected an integer from ${flag.min} to ${flag.max}, got ${JSON.stringify(raw)}`);
    }
    parsed.set(flag.name, value);
  }
  return parsed;
}

export function reproduction(summary: SimSummary, core: Partial<CoreConfig> = {}): string {
  let line = `chunkmaster simulate --seed ${summary.seed} --servers ${summary.servers} --chunks ${summary.chunks} --minutes ${summary.minutes}`;
  if (core.replicationFactor !== undefined && core.replicationFactor !== 3) line += ` --replication-factor ${core.replicationFactor}`;
  if (core.maxReplicationStreams !== undefined && core.maxReplicationStreams !== 2) line += ` --max-replication-streams ${core.maxReplicationStreams}`;
  return line;
}

export function formatSummary(s: SimSummary): string {
  const faults = [...s.faults].map(([name, count]) => `${name}=${count}`).join(' ') || 'none';
  const full = s.fullReplicationAfterMs === undefined ? 'never' : `${(s.fullReplicationAfterMs / 1000).toFixed(1)} s after faults stopped`;
  const lines = [
    `seed ${s.seed}: ${s.servers} servers, ${s.chunks} chunks, ${s.minutes} virtual minutes (faults until ${(s.faultsEndMs / 60000).toFixed(1)} min)`,
    `faults: ${faults}`,
    `deaths: ${s.deaths}  revivals: ${s.revivals}  brake engaged: ${s.brakeEngaged}  master restarts: ${s.masterRestarts}`,
    `copies: ${s.copiesOrdered} ordered, ${s.copiesDone} done, ${s.copiesFailed} failed  deletes: ${s.deletes}`,
    `full replication: ${full}  chunks lost to faults: ${s.lostToFaults}`,
    s.violations.length === 0 ? 'invariants: ok' : `invariants: BROKEN\n${s.violations.map((v) => `  ${v}`).join('\n')}`,
  ];
  return lines.join('\n') + '\n';
}
