import { type Filing, filingOf } from './filing.js';
import { type Readable, type ReplicationSummary, summaryOf } from './reads.js';
import { statusOf } from './registry.js';
import type { LeadershipView } from './types.js';
import type { ReadView } from './views.js';

/**
 * Health checks in the manner of Ceph's: each condition an operator should
 * look at is one check, absent while it does not apply. Errors are what
 * loses data or stops repair (chunks with no live replica, the brake, no
 * leader); warnings are what shrinks the margin while repair can still run
 * (CONTRACT section 8, GET /health, says why each is what it is).
 */
export type HealthSeverity = 'HEALTH_WARN' | 'HEALTH_ERR';
export type HealthStatus = 'HEALTH_OK' | HealthSeverity;

export const HEALTH_CODES = [
  'SERVERS_DEAD',
  'CHUNKS_MISSING',
  'CHUNKS_UNDER_REPLICATED',
  'BRAKE_ENGAGED',
  'SAFE_MODE',
  'DISK_NEAR_FULL',
  'SERVERS_DRAINING',
  'NO_LEADER',
] as const;
export type HealthCode = (typeof HEALTH_CODES)[number];

export const SEVERITY_OF: Readonly<Record<HealthCode, HealthSeverity>> = {
  SERVERS_DEAD: 'HEALTH_WARN',
  CHUNKS_MISSING: 'HEALTH_ERR',
  CHUNKS_UNDER_REPLICATED: 'HEALTH_WARN',
  BRAKE_ENGAGED: 'HEALTH_ERR',
  SAFE_MODE: 'HEALTH_WARN',
  DISK_NEAR_FULL: 'HEALTH_WARN',
  SERVERS_DRAINING: 'HEALTH_WARN',
  NO_LEADER: 'HEALTH_ERR',
};

/** A check's detail holds at most this many entries: `count` says how many there are in all. */
export const HEALTH_DETAIL_MAX = 50;

export interface HealthCheck {
  code: HealthCode;
  severity: HealthSeverity;
  /** One line: what is wrong, with its count. */
  summary: string;
  /** How many servers or chunks the check is about; 1 for a state of the master (safe mode, no leader). */
  count: number;
  /** Up to HEALTH_DETAIL_MAX server ids, chunk handles or short lines. */
  detail: string[];
}

export interface HealthReport {
  /** The worst severity among the checks; HEALTH_OK with none. */
  status: HealthStatus;
  /** Errors first, then warnings, each by code. */
  checks: HealthCheck[];
}

export interface HealthReadable extends Readable {
  leadership(now: number): LeadershipView | undefined;
}

type Found = Omit<HealthCheck, 'severity'>;

/**
 * The checks that apply at `now`: O(servers), plus what replicationSummary
 * costs (the pending sweep work when small, never a scan of every chunk).
 * The missing chunks named are the first HEALTH_DETAIL_MAX the planner's
 * queue files as missing, the longest missing first; under-replicated chunks
 * are given by priority only, since naming them would mean a census of each.
 */
export function healthOf(master: HealthReadable, now: number): HealthReport {
  const state = master.replicationState(now);
  const leadership = master.leadership(now);
  const view = master.readView(now);
  const filing = filingOf(view, master.config.diskFullPct);
  const summary = summaryOf(state, view, filing);
  const found = [
    ...serverChecks(view, master.config.diskFullPct),
    ...chunkChecks(view, filing, summary),
    ...pauseChecks(view, summary),
    ...leaderChecks(leadership),
  ];
  return reportOf(found);
}

/** Orders the checks and takes the worst severity. */
export function reportOf(found: readonly Found[]): HealthReport {
  const checks = found
    .map((check): HealthCheck => ({ ...check, severity: SEVERITY_OF[check.code], detail: check.detail.slice(0, HEALTH_DETAIL_MAX) }))
    // Each code is one check at most: no two compare equal.
    .sort((a, b) => rank(a.severity) - rank(b.severity) || (a.code < b.code ? -1 : 1));
  const status: HealthStatus = checks[0]?.severity ?? 'HEALTH_OK';
  return { status, checks };
}

function rank(severity: HealthSeverity): number {
  return severity === 'HEALTH_ERR' ? 0 : 1;
}

/** One pass over the servers, in first-heartbeat order: dead, draining, and live ones with full disks. */
function serverChecks(view: ReadView, diskFullPct: number): Found[] {
  const dead = new Capped();
  const draining = new Capped();
  const full = new Capped();
  for (const record of view.servers.all()) {
    const status = statusOf(record);
    if (status === 'dead') dead.add(record.id);
    else if (status === 'draining') draining.add(record.id);
    if (status !== 'dead' && record.diskUsagePct !== null && record.diskUsagePct >= diskFullPct) full.add(`${record.id}: ${record.diskUsagePct}% used`);
  }
  const checks: Found[] = [];
  if (dead.count > 0) checks.push({ code: 'SERVERS_DEAD', count: dead.count, summary: `${servers(dead.count)} dead: ${their(dead.count)} replicas do not count`, detail: dead.items });
  if (draining.count > 0) {
    const summary = `${servers(draining.count)} draining: ${their(draining.count)} chunks are being copied elsewhere`;
    checks.push({ code: 'SERVERS_DRAINING', count: draining.count, summary, detail: draining.items });
  }
  if (full.count > 0) {
    const summary = `${servers(full.count)} at or above ${diskFullPct}% disk use: they take no new copies`;
    checks.push({ code: 'DISK_NEAR_FULL', count: full.count, summary, detail: full.items });
  }
  return checks;
}

function chunkChecks(view: ReadView, filing: Filing, summary: ReplicationSummary): Found[] {
  const checks: Found[] = [];
  const { missing, critical, normal } = summary.underReplicated;
  const lagging = filing.settled ? [] : [`counts are catching up: ${summary.replicasToSweep} replicas of dead servers still to drop`];
  if (missing > 0) {
    const summaryLine = `${chunks(missing)} with no live replica`;
    checks.push({ code: 'CHUNKS_MISSING', count: missing, summary: summaryLine, detail: missingHandles(view, filing, HEALTH_DETAIL_MAX) });
  }
  const under = critical + normal;
  if (under > 0) {
    const detail = [`critical: ${chunks(critical)} with 1 replica or none that counts`, `normal: ${chunks(normal)} with 2 or more`, ...lagging];
    const line = `${chunks(under)} under-replicated (${critical} critical, ${normal} normal), ${summary.pendingCopies} copies pending`;
    checks.push({ code: 'CHUNKS_UNDER_REPLICATED', count: under, summary: line, detail });
  }
  return checks;
}

/**
 * The handles of chunks with no live replica, as the queue files them (the
 * longest missing first), those a small sweep under way moves out left out
 * and those it moves in added: O(limit + sweep work), never O(missing).
 */
function missingHandles(view: ReadView, filing: Filing, limit: number): string[] {
  const found: string[] = [];
  const chunks = view.queue.underReplicated();
  for (let left = filing.filedSizes[0] as number; left > 0 && found.length < limit; left--) {
    const next = chunks.next();
    if (next.done === true) break;
    if (!filing.moved.has(next.value)) found.push(view.replicas.handleOf(next.value));
  }
  for (const chunk of filing.arriving[0] as number[]) {
    if (found.length >= limit) break;
    found.push(view.replicas.handleOf(chunk));
  }
  return found;
}

function pauseChecks(view: ReadView, summary: ReplicationSummary): Found[] {
  const checks: Found[] = [];
  if (summary.brakeEngaged) {
    const known = view.servers.counted;
    const dead = known - summary.servers.alive - summary.servers.draining;
    const line = `mass-failure brake engaged: ${dead} of ${servers(known)} dead, no copies or deletes handed out`;
    checks.push({ code: 'BRAKE_ENGAGED', count: dead, summary: line, detail: ['released once enough servers are back, out (dead past dead_out) or forgotten'] });
  }
  if (summary.safeMode) {
    const seconds = Math.ceil(summary.safeModeRemainingMs / 1000);
    const line = `in safe mode: no copies or deletes handed out, for ${seconds} s more at most`;
    checks.push({ code: 'SAFE_MODE', count: 1, summary: line, detail: ['ends once every live server has sent a full report, after safe_mode at the soonest'] });
  }
  return checks;
}

function leaderChecks(leadership: LeadershipView | undefined): Found[] {
  if (leadership === undefined || leadership.leader !== null) return [];
  const summary = `no leader among the masters (epoch ${leadership.epoch}): none gives instructions`;
  return [{ code: 'NO_LEADER', count: 1, summary, detail: [] }];
}

/** A count and the first HEALTH_DETAIL_MAX items. */
class Capped {
  count = 0;
  readonly items: string[] = [];

  add(item: string): void {
    this.count++;
    if (this.items.length < HEALTH_DETAIL_MAX) this.items.push(item);
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const servers = (n: number) => plural(n, 'server', 'servers');
const chunks = (n: number) => plural(n, 'chunk', 'chunks');
const their = (n: number) => (n === 1 ? 'its' : 'their');
