import type { CoreConfig } from './config.js';
import { DeadlineHeap } from './heap.js';

interface Lease {
  /** A reply has asked for the report (until then the lease is only reserved for the server). */
  asked: boolean;
  /** The server had no list when its turn came: it queues with the listless again if it loses it. */
  listless: boolean;
}

/**
 * Who is asked for a full chunk report, and when (CONTRACT 9). Like HDFS's
 * block report leases, at most max_full_report_leases servers hold a lease
 * at once, so a master that restarts meets no report storm; unlike them,
 * turns go strictly longest unreported first: servers with no list at all
 * (by the time the master began to want it), then those whose last full
 * report is oldest, once full_report_interval has passed since it. A server
 * can only be asked in a reply to its own heartbeat, so a free lease is
 * reserved for the next in line and its next reply asks. A lease lasts until
 * the report completes; one not used within pending_timeout (counted from
 * the ask, or from a split report's first part) is lost, and the server
 * queues again behind the others. Every step is O(log servers).
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
    this.fill(now);
    const lease = this.leases.get(server);
    if (lease === undefined || reporting) return false;
    if (!lease.asked) {
      lease.asked = true;
      this.expiries.set(server, now + this.config.pendingTimeoutMs);
    }
    return true;
  }

  /** Leases unused past their time go back: the server waits behind the others, from then. */
  private expire(now: number): void {
    for (let at = this.expiries.peekDeadline(); at !== undefined && at <= now; at = this.expiries.peekDeadline()) {
      const server = this.expiries.pop() as number;
      const lease = this.leases.get(server) as Lease;
      this.leases.delete(server);
      (lease.listless ? this.listless : this.refresh).set(server, at);
    }
  }

  /** Reserves free leases for the next in line. */
  private fill(now: number): void {
    while (this.leases.size < this.config.maxFullReportLeases) {
      const due = (this.refresh.peekDeadline() ?? Infinity) <= now;
      const listless = this.listless.size > 0;
      if (!listless && !due) return;
      const server = (listless ? this.listless : this.refresh).pop() as number;
      this.leases.set(server, { asked: false, listless });
      this.expiries.set(server, now + this.config.pendingTimeoutMs);
    }
  }
}
