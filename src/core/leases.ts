import type { CoreConfig } from './config.js';
import { DeadlineHeap } from './heap.js';

interface Lease {
  /** The server had no list when its turn came: it queues with the listless again if it loses it. */
  listless: boolean;
}

/**
 * Who is asked for a full chunk report, and when (CONTRACT 9). Like HDFS's
 * block report leases, at most max_full_report_leases servers hold a lease
 * at once, so a master that restarts meets no report storm. Turns go the
 * longest unreported first: servers with no list at all (by the time the
 * master began to want it), then those whose last full report is oldest,
 * once full_report_interval has passed since it.
 *
 * A server can only be asked in a reply to its own heartbeat. A lease kept
 * strictly for the next in line would sit idle until that one heartbeats,
 * up to an interval later: at 10,000 servers a free lease's next in line has
 * almost always just been heard, and 8 leases moved 8 reports per interval
 * (557 of 10,000 after 165 s). So a free lease goes to the first server to
 * heartbeat among those whose wait began within pending_timeout of the
 * longest waiting one's: the order holds to within that window, and no
 * lease waits on one server. A lease lasts until the report completes; one
 * not used within pending_timeout (counted from the ask, or from a split
 * report's first part) is lost, and the server queues again behind the
 * others. Every step is O(log servers).
 */
export class ReportLeases {
  /** Servers with no list, by the time the master began to want one. */
  private readonly listless = new DeadlineHeap();
  /** Servers with a list, by when their next full report falls due. */
  private readonly refresh = new DeadlineHeap();
  private readonly leases = new Map<number, Lease>();
  /** When each lease is lost if no report completes. */
  private readonly expiries = new DeadlineHeap();

  constructor(private readonly config: Pick<CoreConfig, 'maxFullReportLeases' | 'fullReportIntervalMs' | 'pendingTimeoutMs'>) {}

  /** The master has no list for the server and wants one, from `since`. */
  want(server: number, since: number): void {
    this.drop(server);
    this.listless.set(server, since);
  }

  /** A full report completed: its lease, if any, is done; the next falls due an interval from now. */
  reported(server: number, now: number): void {
    this.drop(server);
    this.refresh.set(server, now + this.config.fullReportIntervalMs);
  }

  /** A new leader wants the server's full list now (CONTRACT 10), unless it is already queued for one or holds a lease. */
  dueNow(server: number, now: number): void {
    if (this.leases.has(server) || this.listless.has(server)) return;
    const due = this.refresh.deadlineOf(server);
    if (due === undefined || due > now) this.refresh.set(server, now);
  }

  /** The server is gone (dead): nothing is asked of it. */
  drop(server: number): void {
    this.listless.delete(server);
    this.refresh.delete(server);
    this.leases.delete(server);
    this.expiries.delete(server);
  }

  /** A split report began: its lease lasts as long as the report may. */
  extend(server: number, now: number): void {
    if (this.leases.has(server)) this.expiries.set(server, now + this.config.pendingTimeoutMs);
  }

  /**
   * Whether the reply to this heartbeat asks the server for its full list:
   * while it holds a lease and is not already sending one (`reporting`).
   */
  ask(server: number, now: number, reporting: boolean): boolean {
    this.expire(now);
    if (this.leases.has(server)) return !reporting;
    if (reporting || this.leases.size >= this.config.maxFullReportLeases || !this.inTurn(server, now)) return false;
    const listless = this.listless.has(server);
    (listless ? this.listless : this.refresh).delete(server);
    this.leases.set(server, { listless });
    this.expiries.set(server, now + this.config.pendingTimeoutMs);
    return true;
  }

  /** Wants a report and began waiting within pending_timeout of the longest waiting one; the listless go before the rest. */
  private inTurn(server: number, now: number): boolean {
    const window = this.config.pendingTimeoutMs;
    if (this.listless.size > 0) {
      const since = this.listless.deadlineOf(server);
      return since !== undefined && since <= (this.listless.peekDeadline() as number) + window;
    }
    const due = this.refresh.deadlineOf(server);
    return due !== undefined && due <= now && due <= (this.refresh.peekDeadline() as number) + window;
  }

  /**
   * Leases unused past their time go back. The server waits as if it began
   * a window later, behind every server waiting then: it had its turn.
   */
  private expire(now: number): void {
    for (let at = this.expiries.peekDeadline(); at !== undefined && at <= now; at = this.expiries.peekDeadline()) {
      const server = this.expiries.pop() as number;
      const lease = this.leases.get(server) as Lease;
      this.leases.delete(server);
      (lease.listless ? this.listless : this.refresh).set(server, at + this.config.pendingTimeoutMs);
    }
  }
}
