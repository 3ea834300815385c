import { type CoreConfig, deadTimeoutMs } from '../core/index.js';

/** How often the probe checks that the event loop is turning. */
export const STALL_PROBE_MS = 50;
/** Lateness tolerated as ordinary jitter before it counts as a stall, at most. */
export const STALL_SLACK_MS = 250;

/**
 * The lateness a server can take without risk: a quarter of the margin its
 * heartbeat interval leaves before the dead timeout (10 s by default), at
 * most STALL_SLACK_MS. A busy loop's ordinary lag stays under it, so only
 * real stalls move deadlines and a loaded master still detects deaths on
 * time; a short interval gets a small slack (50 ms at 100 ms heartbeats).
 */
export function stallSlackMs(config: CoreConfig): number {
  const margin = deadTimeoutMs(config) - config.heartbeatIntervalMs;
  return Math.max(1, Math.min(STALL_SLACK_MS, margin / 4));
}

/**
 * Tells the master's own stalls from idle time. A probe is due every
 * `periodMs`; when it fires late, or work starts while it is overdue, the
 * event loop was blocked (GC, a long synchronous step, a stuck write), and
 * work that itself runs long blocks it too. Each method returns the ms the
 * master could not listen for, to be credited to every server's deadline;
 * each stretch of time is counted once.
 */
export class StallWatch {
  private lastBeat: number;

  constructor(
    now: number,
    private readonly periodMs = STALL_PROBE_MS,
    private readonly slackMs = STALL_SLACK_MS,
  ) {
    this.lastBeat = now;
  }

  /** The probe fired at `now`. */
  probe(now: number): number {
    const late = now - this.lastBeat - this.periodMs;
    this.lastBeat = now;
    return late > this.slackMs ? late : 0;
  }

  /** Work starts at `now`: a probe overdue by more than the slack means the loop was blocked until now. */
  beforeWork(now: number): number {
    const overdue = now - this.lastBeat - this.periodMs;
    if (overdue <= this.slackMs) return 0;
    this.lastBeat = now;
    return overdue;
  }

  /** Work ran from `started` to `ended`; past the slack, nobody could be heard meanwhile. */
  afterWork(started: number, ended: number): number {
    const took = ended - started;
    if (took <= this.slackMs) return 0;
    this.lastBeat = ended;
    return took;
  }
}
