import { PackedHandles } from './packed.js';
import type { ReportPart } from './types.js';

/** One incremental report: what a server gained and lost since its last heartbeat. */
export interface ListChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** A split full report once its last part is in: the parts, and the changes heard since the first one. */
export interface AssembledReport {
  readonly parts: readonly PackedHandles[];
  readonly changes: readonly ListChange[];
}

interface Unfinished {
  readonly server: number;
  readonly id: string;
  readonly startedAt: number;
  /** The expected part count; `parts` and `changes` are let go once the report is done with. */
  readonly count: number;
  /** Packed as they come: a part may wait many turns for the others (see PackedHandles). */
  parts: (PackedHandles | undefined)[];
  received: number;
  changes: ListChange[];
}

/** What a part did: began a report, waits for more, or completed one. */
export type PartOutcome = 'started' | 'waiting' | AssembledReport;

/**
 * Split full reports being assembled, one per server at most (CONTRACT 9).
 * Parts come in any order; a part of another id (or another part count)
 * starts the report afresh, and a report unfinished pending_timeout after
 * its first part is dropped, so memory stays bounded by what servers send
 * within one timeout. Incremental changes heard meanwhile are kept, to be
 * applied again on top of the assembled list.
 */
export class SplitReports {
  private readonly unfinished = new Map<number, Unfinished>();
  /** Reports by start time, which is their expiry order (one timeout for all). */
  private timeline: Unfinished[] = [];
  private head = 0;

  constructor(private readonly timeoutMs: number) {}

  inProgress(server: number): boolean {
    return this.unfinished.has(server);
  }

  part(server: number, report: ReportPart, chunks: readonly string[], now: number): PartOutcome {
    if (!isPartOf(report)) return 'waiting';
    let unfinished = this.unfinished.get(server);
    const fresh = unfinished === undefined || unfinished.id !== report.id || unfinished.count !== report.parts;
    if (fresh) {
      if (unfinished !== undefined) this.release(unfinished);
      const count = report.parts;
      unfinished = { server, id: report.id, startedAt: now, count, parts: new Array(count), received: 0, changes: [] };
      this.unfinished.set(server, unfinished);
      this.timeline.push(unfinished);
    }
    const current = unfinished as Unfinished;
    if (current.parts[report.part] === undefined) current.received++;
    current.parts[report.part] = PackedHandles.of(chunks);
    if (current.received < current.count) return fresh ? 'started' : 'waiting';
    const assembled = { parts: current.parts as PackedHandles[], changes: current.changes };
    this.release(current);
    return assembled;
  }

  /** An incremental report: kept for the server's report under way, if any. */
  changed(server: number, change: ListChange): void {
    this.unfinished.get(server)?.changes.push({ added: change.added.slice(), removed: change.removed.slice() });
  }

  discard(server: number): void {
    const report = this.unfinished.get(server);
    if (report !== undefined) this.release(report);
  }

  /** Drops reports unfinished a timeout after their first part. */
  expire(now: number): void {
    for (let next = this.nextDeadline(); next !== undefined && next <= now; next = this.nextDeadline()) {
      this.release(this.timeline[this.head++] as Unfinished);
    }
    if (this.head > 1024 && this.head * 2 > this.timeline.length) {
      this.timeline = this.timeline.slice(this.head);
      this.head = 0;
    }
  }

  /** When the oldest unfinished report expires. */
  nextDeadline(): number | undefined {
    while (this.head < this.timeline.length && !this.isCurrent(this.timeline[this.head] as Unfinished)) this.head++;
    const oldest = this.timeline[this.head];
    return oldest === undefined ? undefined : oldest.startedAt + this.timeoutMs;
  }

  /** Done with: no longer the server's report, and its lists let go (its timeline entry may linger a while). */
  private release(report: Unfinished): void {
    if (this.unfinished.get(report.server) === report) this.unfinished.delete(report.server);
    report.parts = [];
    report.changes = [];
  }

  /** Still the server's report under way (not completed, replaced or dropped since). */
  private isCurrent(report: Unfinished): boolean {
    return this.unfinished.get(report.server) === report;
  }
}

/** The protocol checks it; the core only makes sure a bad part cannot break it. */
function isPartOf(report: ReportPart): boolean {
  return Number.isInteger(report.part) && Number.isInteger(report.parts) && report.part >= 0 && report.part < report.parts;
}
