import type { ReportsAwaited } from './pause.js';

/** The master has no list for the server: first contact, or this core is new. */
const NONE = 0;
/** Its list was dropped when it died: what it says of its chunks counts again only after a full report. */
const LOST = 1;
/** From a full report, kept current by incremental ones. */
const KNOWN = 2;

/**
 * What the master knows of each server's chunk list, and which live servers
 * have yet to deliver a full report since start (safe mode waits for them).
 * A server that dies loses its list, as an HDFS DataNode that comes back
 * must register and send a full block report before its replicas count:
 * until then its incremental reports are not applied.
 */
export class ServerLists implements ReportsAwaited {
  private readonly states: number[] = [];
  /** Delivered a full report since start: it no longer holds safe mode. */
  private readonly reported: boolean[] = [];
  private awaitingCount = 0;
  private settled: number;

  constructor(startedAt: number) {
    this.settled = startedAt;
  }

  get awaiting(): number {
    return this.awaitingCount;
  }

  get settledAt(): number {
    return this.settled;
  }

  /** A new server, alive from now (an index may be reused: it starts afresh). */
  registered(server: number): void {
    this.states[server] = NONE;
    this.reported[server] = false;
    this.awaitingCount++;
  }

  /** A dead server is heard from again: its list stays lost until its next full report. */
  revived(server: number): void {
    if (this.reported[server] !== true) this.awaitingCount++;
  }

  died(server: number, at: number): void {
    this.states[server] = LOST;
    if (this.reported[server] !== true) this.settle(at);
  }

  /** A full report was applied: the list is the server's own again. */
  completed(server: number, at: number): void {
    this.states[server] = KNOWN;
    if (this.reported[server] === true) return;
    this.reported[server] = true;
    this.settle(at);
  }

  /** Whether incremental reports are to be set aside (not applied) until a full report. */
  lost(server: number): boolean {
    return this.states[server] === LOST;
  }

  private settle(at: number): void {
    this.awaitingCount--;
    if (this.awaitingCount === 0) this.settled = at;
  }
}
