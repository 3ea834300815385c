import { DeadlineHeap } from './heap.js';

/**
 * Each server's next liveness deadline: when it dies if it stays silent, or,
 * once dead, when it is out (dead longer than dead_out). One heap entry per
 * server, so a heartbeat moves its entry instead of adding one.
 *
 * Deadlines run on the master's *available* time: real time less every stall
 * the master itself suffered (GC, a huge report, a blocked log, a backlog of
 * input it could not read). A server cannot be heard while the master is not
 * listening, so that time never counts against it, as in Lifeguard's local
 * health awareness. Crediting a stall shifts every deadline at once, in O(1).
 */
export class Liveness {
  private readonly heap = new DeadlineHeap();
  /** Total stall time credited so far: real time = available time + stalled. */
  private stalled = 0;

  /** The master was unable to hear anyone for `ms`: every deadline moves back by as much. */
  credit(ms: number): void {
    if (ms > 0) this.stalled += ms;
  }

  /** Schedules a server's next transition `afterMs` from `now` (real time). */
  schedule(server: number, now: number, afterMs: number): void {
    this.heap.set(server, now - this.stalled + afterMs);
  }

  cancel(server: number): void {
    this.heap.delete(server);
  }

  /** Real time of the earliest deadline, if any. */
  nextDeadline(): number | undefined {
    const next = this.heap.peekDeadline();
    return next === undefined ? undefined : next + this.stalled;
  }

  /** The server whose deadline is due at `now`, with that deadline in real time; removed from the heap. */
  popDue(now: number): { server: number; at: number } | undefined {
    const next = this.heap.peekDeadline();
    if (next === undefined || next + this.stalled > now) return undefined;
    return { server: this.heap.pop() as number, at: next + this.stalled };
  }
}
