import type { CoreConfig } from '../core/index.js';
import { DEFAULT_PART_SIZE, type ReportCount, type ReportMode } from './reporting.js';

/** What names one run: its reproduction line. */
export interface RunShape {
  seed: number;
  servers: number;
  chunks: number;
  minutes: number;
  /** How the servers report their chunks; `full` (the seed's form) when not given. */
  report?: ReportMode | undefined;
  /** Handles per part of a split full report. */
  partSize?: number | undefined;
  /** Masters in the run: 1 (the default, no election) or several (CONTRACT 10). */
  masters?: number | undefined;
}

/** With several masters: what the election and the servers' epoch rule came to. */
export interface GroupTally {
  elections: number;
  /** Instructions servers obeyed, and ignored for a stale epoch. */
  obeyed: number;
  ignored: number;
  /** Epochs whose instructions were obeyed. */
  epochsObeyed: number;
  /** Heartbeats a stopped master read late, when it resumed. */
  late: number;
}

/** What the servers' chunk reports came to. */
export interface ReportTally extends Record<ReportCount, number> {
  /** Full reports the master completed, each checked against the disk. */
  full: number;
  /** Heartbeats lost on the way there or back, and delivered twice. */
  lost: number;
  duplicated: number;
  /** The most servers seen asked for a full report at once. */
  mostAsked: number;
}

export interface SimSummary extends RunShape {
  faults: Map<string, number>;
  deaths: number;
  revivals: number;
  copiesOrdered: number;
  copiesDone: number;
  copiesFailed: number;
  deletes: number;
  brakeEngaged: number;
  masterRestarts: number;
  reports: ReportTally;
  group: GroupTally;
  faultsEndMs: number;
  /** Virtual ms from the end of faults to full replication; undefined if never reached. */
  fullReplicationAfterMs: number | undefined;
  /** Chunks every copy of which was destroyed by faults (never by an instruction). */
  lostToFaults: number;
  violations: string[];
  /** The hash of the run's trace (every message and core event, in order). */
  traceHash: string;
  traceEntries: number;
  /** The trace itself, when asked for. */
  trace: string[] | undefined;
}

export function newSummary(shape: RunShape): SimSummary {
  return {
    seed: shape.seed,
    servers: shape.servers,
    chunks: shape.chunks,
    minutes: shape.minutes,
    report: shape.report ?? 'full',
    partSize: shape.partSize ?? DEFAULT_PART_SIZE,
    masters: shape.masters ?? 1,
    faults: new Map(),
    deaths: 0,
    revivals: 0,
    copiesOrdered: 0,
    copiesDone: 0,
    copiesFailed: 0,
    deletes: 0,
    brakeEngaged: 0,
    masterRestarts: 0,
    reports: { full: 0, incremental: 0, split: 0, reordered: 0, dropped: 0, lost: 0, duplicated: 0, mostAsked: 0 },
    group: { elections: 0, obeyed: 0, ignored: 0, epochsObeyed: 0, late: 0 },
    faultsEndMs: 0,
    fullReplicationAfterMs: undefined,
    lostToFaults: 0,
    violations: [],
    traceHash: '',
    traceEntries: 0,
    trace: undefined,
  };
}

/** The command line that replays a run. */
export function reproduction(shape: RunShape, core: Partial<CoreConfig> = {}): string {
  let line = `chunkmaster simulate --seed ${shape.seed} --servers ${shape.servers} --chunks ${shape.chunks} --minutes ${shape.minutes}`;
  // Seed-form servers never split a report: the part size means nothing to them.
  if (shape.report !== undefined && shape.report !== 'full') {
    line += ` --report ${shape.report}`;
    if (shape.partSize !== undefined && shape.partSize !== DEFAULT_PART_SIZE) line += ` --report-part-size ${shape.partSize}`;
  }
  if (shape.masters !== undefined && shape.masters > 1) line += ` --masters ${shape.masters}`;
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
    ...(s.report === 'full' ? [] : [reportLine(s)]),
    ...(s.masters === undefined || s.masters <= 1 ? [] : [groupLine(s)]),
    `trace: ${s.traceHash} (${s.traceEntries} messages and events)`,
    s.violations.length === 0 ? 'invariants: ok' : `invariants: BROKEN\n${s.violations.map((v) => `  ${v}`).join('\n')}`,
  ];
  return lines.join('\n') + '\n';
}

/** Only for runs with incremental reports: the seed form's summary stays as it was. */
function reportLine(s: SimSummary): string {
  const r = s.reports;
  return (
    `reports (${s.report}, parts of ${s.partSize}): ${r.full} full completed, ${r.split} split (${r.reordered} reordered, ${r.dropped} dropped), ` +
    `${r.incremental} incremental; heartbeats lost ${r.lost}, duplicated ${r.duplicated}; asked at once: at most ${r.mostAsked}`
  );
}

/** Only for runs of several masters. */
function groupLine(s: SimSummary): string {
  const g = s.group;
  return (
    `masters: ${s.masters}, ${g.elections} elections; instructions obeyed ${g.obeyed} (of ${g.epochsObeyed} epochs), ` +
    `ignored for a stale epoch ${g.ignored}; heartbeats read late by a stopped master ${g.late}`
  );
}
