import { randomBytes } from 'node:crypto';
import { splitList } from '../protocol/report-parts.js';
import type { FleetConfig } from '../runtime/config.js';
import type { ChunkServer, ChunkServers, HeartbeatAnswer, HeartbeatReport } from './chunk-servers.js';
import type { ReportCounts } from './stats.js';

/** What one heartbeat carried, so that its answer can settle it. */
export type Sent =
  | { readonly kind: 'changes'; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: 'part'; readonly last: boolean };

export interface Beat {
  body: HeartbeatReport;
  sent: Sent;
}

/** A full report under way: its list as it was when it began, cut in parts. */
interface FullReport {
  readonly id: string;
  readonly parts: readonly string[][];
  /** The part the next heartbeat carries: a part is sent until one is accepted. */
  next: number;
  /** Changes the list covers: forgotten once the last part is accepted, owed again if the report is dropped. */
  readonly covered: Set<string>;
}

export type ReportOptions = Pick<FleetConfig, 'report' | 'reportPartSize'>;

/**
 * What each simulated server puts in its heartbeats to one master (its
 * place in --url is `masterIndex`, from 0; each master has its own
 * Reporter, and so its own report state). Incremental (the default): the
 * chunks added and removed since the master last accepted a report of them,
 * and a full list at first contact and whenever the master answers
 * `full_report: true`. Full: a full list every heartbeat. A full list longer
 * than `reportPartSize` goes in parts under a fresh id; a report asked for,
 * and each part after the first, go at once, not a heartbeat later.
 */
export class Reporter {
  private readonly reports = new Map<ChunkServer, FullReport>();
  /** Servers whose list the master holds, as far as its answers said. */
  private readonly known = new Set<ChunkServer>();
  /** Report ids are this run's prefix and a count: fresh even against a master that saw an earlier run. */
  private readonly runId = randomBytes(4).toString('hex');
  private reportCount = 0;

  constructor(
    private readonly fleet: ChunkServers,
    private readonly options: ReportOptions,
    private readonly counts: ReportCounts,
    private readonly masterIndex = 0,
  ) {}

  /** The server's next heartbeat. */
  next(server: ChunkServer): Beat {
    const report = this.reports.get(server) ?? (this.wantsFull(server) ? this.begin(server) : undefined);
    return report === undefined ? this.changes(server) : this.part(server, report);
  }

  /** Settles a heartbeat the master answered with 200 / heartbeat_ok. */
  accepted(server: ChunkServer, sent: Sent, answer: HeartbeatAnswer): void {
    if (sent.kind === 'changes') {
      this.counts.incremental++;
      this.counts.changes += sent.added.length + sent.removed.length;
      // A handle whose disk changed again since it was sent stays owed.
      const owed = this.owed(server);
      for (const chunk of sent.added) if (server.chunks.has(chunk)) owed.delete(chunk);
      for (const chunk of sent.removed) if (!server.chunks.has(chunk)) owed.delete(chunk);
      this.heed(server, answer);
      return;
    }
    this.counts.parts++;
    const report = this.reports.get(server);
    if (report === undefined) return;
    report.next++;
    // An answer to a part before the last says nothing of the whole report.
    if (!sent.last) return;
    this.reports.delete(server);
    this.counts.full++;
    this.known.add(server);
    this.heed(server, answer);
  }

  /** In incremental mode: a full report is under way, or was asked for, and its next heartbeat carries it. */
  owesReport(server: ChunkServer): boolean {
    return this.options.report === 'incremental' && (this.reports.has(server) || !this.known.has(server));
  }

  /** The server restarted: a report under way is dropped, and it begins with a full report. */
  restart(server: ChunkServer): void {
    this.drop(server);
    this.known.delete(server);
  }

  private wantsFull(server: ChunkServer): boolean {
    return this.options.report === 'full' || !this.known.has(server);
  }

  private heed(server: ChunkServer, answer: HeartbeatAnswer): void {
    if (answer.full_report !== true) return;
    this.counts.asked++;
    this.known.delete(server);
  }

  private begin(server: ChunkServer): FullReport {
    const report: FullReport = {
      id: `${this.runId}-${++this.reportCount}`,
      parts: splitList([...server.chunks], this.options.reportPartSize),
      next: 0,
      covered: this.owed(server),
    };
    server.changed[this.masterIndex] = new Set();
    this.reports.set(server, report);
    return report;
  }

  private drop(server: ChunkServer): void {
    const report = this.reports.get(server);
    if (report === undefined) return;
    this.reports.delete(server);
    const owed = this.owed(server);
    for (const chunk of report.covered) owed.add(chunk);
  }

  /** What this master has yet to hear of the server's disk. */
  private owed(server: ChunkServer): Set<string> {
    return server.changed[this.masterIndex] as Set<string>;
  }

  private part(server: ChunkServer, report: FullReport): Beat {
    const { parts, next, id } = report;
    const chunks = parts[next] as string[];
    const split = parts.length > 1 ? { report: { id, part: next, parts: parts.length } } : {};
    return { body: { ...this.fleet.state(server), chunks, ...split }, sent: { kind: 'part', last: next === parts.length - 1 } };
  }

  private changes(server: ChunkServer): Beat {
    const added: string[] = [];
    const removed: string[] = [];
    for (const chunk of this.owed(server)) (server.chunks.has(chunk) ? added : removed).push(chunk);
    const body: HeartbeatReport = { ...this.fleet.state(server) };
    if (added.length > 0) body.chunks_added = added;
    if (removed.length > 0) body.chunks_removed = removed;
    return { body, sent: { kind: 'changes', added, removed } };
  }
}
