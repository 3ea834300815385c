/** What the master accepted of the fleet's chunk reports. */
export interface ReportCounts {
  /** Full reports whose last part was accepted. */
  full: number;
  /** Parts of full reports accepted; an unsplit report is one part. */
  parts: number;
  /** Answers with full_report: true that began a full report. */
  asked: number;
  /** Heartbeats without a full list, liveness-only ones included. */
  incremental: number;
  /** Handles added or removed that they carried. */
  changes: number;
}

/** One master's share of a run's heartbeats (several with HA: each gets every heartbeat). */
export interface MasterCounts {
  readonly url: string;
  answered: number;
  failed: number;
  /** Deletes and copies its replies asked for while a newer epoch had been seen: not carried out. */
  staleInstructionsIgnored: number;
  /** Deletes and copies its replies asked for that the epoch rule let through (carried out, or tried). */
  obeyed: number;
  /** Its last reply's epoch and role, in HA mode. */
  epoch: number | undefined;
  role: string | undefined;
}

/** Counters and latencies of a fleet run, and how to print them. */
export class FleetStats {
  sent = 0;
  ok = 0;
  failed = 0;
  /** Beats not sent to a master because the server's previous heartbeat to it was still waiting. */
  skipped = 0;
  copies = 0;
  copiesFailed = 0;
  deletes = 0;
  readonly reports: ReportCounts = { full: 0, parts: 0, asked: 0, incremental: 0, changes: 0 };
  /** Instructions not carried out because their reply's epoch was older than one seen (CONTRACT 10). */
  staleInstructionsIgnored = 0;
  /** Instructions let through by the epoch rule, by their reply's epoch (HA mode only). */
  readonly obeyedByEpoch = new Map<number, number>();
  /**
   * Instructions let through from a reply whose epoch was below the highest
   * any server had heard by then. Each server's gate knows only its own
   * replies; that a term is over once another has begun, only the masters'
   * fencing ensures (a leader falls silent before its lease can lapse), and
   * this counts its failures: 0 in a sound group.
   */
  obeyedBehindNewest = 0;
  /** Per master, in --url order. */
  readonly masters: MasterCounts[] = [];
  killed = 0;
  /** Ids of the servers silenced, in order. */
  readonly killedServers: string[] = [];
  revived = 0;
  deathsSeen = 0;
  /** For each death seen: ms from the server's last heartbeat to the master saying dead. */
  readonly detectionMs: number[] = [];
  readonly latenciesMs: number[] = [];
  lastError: string | undefined;

  /** Counts a new master's heartbeats, and hands its counters back. */
  addMaster(url: string): MasterCounts {
    const counts: MasterCounts = { url, answered: 0, failed: 0, staleInstructionsIgnored: 0, obeyed: 0, epoch: undefined, role: undefined };
    this.masters.push(counts);
    return counts;
  }

  /** Counts `instructions` of a reply of `epoch` from `master` let through by the epoch rule, while `newest` was the highest heard. */
  obeyed(master: MasterCounts, epoch: number | undefined, newest: number | undefined, instructions: number): void {
    if (instructions === 0) return;
    master.obeyed += instructions;
    if (epoch === undefined) return;
    this.obeyedByEpoch.set(epoch, (this.obeyedByEpoch.get(epoch) ?? 0) + instructions);
    if (newest !== undefined && epoch < newest) this.obeyedBehindNewest += instructions;
  }

  percentile(p: number): number {
    return percentile(this.latenciesMs, p);
  }

  progressLine(elapsedMs: number): string {
    const parts = [
      `fleet ${(elapsedMs / 1000).toFixed(1)} s`,
      `sent ${this.sent}`,
      `ok ${this.ok}`,
      `failed ${this.failed}`,
      `p99 ${fmt(this.percentile(99))} ms`,
      `copies ${this.copies}`,
      `deletes ${this.deletes}`,
      `full ${this.reports.full}`,
      `incr ${this.reports.incremental}`,
    ];
    if (this.killed > 0) parts.push(`dead seen ${this.deathsSeen}/${this.killed}`);
    if (this.revived > 0) parts.push(`revived ${this.revived}`);
    if (this.staleInstructionsIgnored > 0) parts.push(`stale ignored ${this.staleInstructionsIgnored}`);
    return parts.join('  ');
  }

  summary(elapsedMs: number): string {
    const seconds = elapsedMs / 1000;
    const lines = [
      `fleet summary after ${seconds.toFixed(1)} s`,
      `  heartbeats  sent ${this.sent}, ok ${this.ok}, failed ${this.failed}, skipped ${this.skipped} (${(this.ok / Math.max(seconds, 0.001)).toFixed(0)}/s)`,
      `  latency ms  p50 ${fmt(this.percentile(50))}, p90 ${fmt(this.percentile(90))}, p99 ${fmt(this.percentile(99))}, max ${fmt(this.percentile(100))}`,
      `  deaths      killed ${this.killed}, seen dead ${this.deathsSeen}, revived ${this.revived}` +
        (this.detectionMs.length > 0 ? `, detected ${fmt(Math.min(...this.detectionMs))}..${fmt(Math.max(...this.detectionMs))} ms after the last heartbeat` : ''),
      `  copies      done ${this.copies}, failed ${this.copiesFailed}; deletes done ${this.deletes}`,
      `  reports     full ${this.reports.full} (${this.reports.parts} parts), asked for ${this.reports.asked}; incremental ${this.reports.incremental} carrying ${this.reports.changes} changes`,
    ];
    // One master's line would repeat the heartbeats line; it shows only when an ignored instruction needs its source named.
    if (this.masters.length > 1 || this.staleInstructionsIgnored > 0) lines.push(...this.masters.map(masterLine));
    if (this.obeyedByEpoch.size > 0) lines.push(epochsLine(this.obeyedByEpoch, this.obeyedBehindNewest));
    if (this.lastError !== undefined) lines.push(`  last error  ${this.lastError}`);
    return lines.join('\n') + '\n';
  }
}

/**
 * The p-th percentile (p from 0 to 100) by the nearest-rank rule: the
 * smallest value with at least p% of the values at or below it, that is the
 * ceil(p/100 * n)-th smallest (1-based); p 0 gives the minimum, 100 the
 * maximum, and an empty list NaN. Always one of the values, never an
 * interpolation. The one percentile of src/: benches can import it from
 * dist/fleet/stats.js.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

function epochsLine(byEpoch: ReadonlyMap<number, number>, behind: number): string {
  const terms = [...byEpoch].sort(([a], [b]) => a - b).map(([epoch, count]) => `${count} of epoch ${epoch}`);
  return `  epochs      instructions obeyed: ${terms.join(', ')}; of an epoch already superseded ${behind}`;
}

function masterLine({ url, answered, failed, staleInstructionsIgnored, epoch, role }: MasterCounts): string {
  const term = epoch === undefined ? '' : `; last reply epoch ${epoch}, ${role ?? 'no role'}`;
  return `  master      ${url}: answered ${answered}, failed ${failed}, stale-epoch instructions ignored ${staleInstructionsIgnored}${term}`;
}

function fmt(ms: number): string {
  return Number.isNaN(ms) ? '-' : ms.toFixed(ms < 10 ? 2 : 0);
}
