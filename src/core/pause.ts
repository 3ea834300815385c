import type { CoreConfig } from './config.js';
import type { CoreEvent, ReplicationState } from './types.js';

/** Whether every live server has delivered a full report since start (ServerLists). */
export interface ReportsAwaited {
  /** Live servers yet to deliver their first full report. */
  readonly awaiting: number;
  /** When `awaiting` last fell to 0 (the start, if it never rose). */
  readonly settledAt: number;
}

/** Nobody awaited: safe mode lasts its minimum. */
const NONE_AWAITED: ReportsAwaited = { awaiting: 0, settledAt: Number.NEGATIVE_INFINITY };

/**
 * Why re-replication may be paused: safe mode right after start (a chunk not
 * heard of yet is not lost) and the mass-failure brake (with most of the
 * fleet gone, copying would only make a storm). Safe mode lasts at least
 * safe_mode and until every live server has sent a full report, as HDFS
 * waits for its block reports, but never past safe_mode_max: a server that
 * never reports in full must not hold replication back for good. Each
 * change is told through `changed`.
 */
export class PlanningPause {
  private safeMode: boolean;
  private brake = false;
  /** Past the minimum, still waiting for reports: the cap is the next deadline. */
  private waiting = false;
  private readonly minimumEndsAt: number;
  private readonly capEndsAt: number;

  constructor(
    private readonly config: CoreConfig,
    startedAt: number,
    private readonly changed: (event: CoreEvent) => void,
  ) {
    this.safeMode = config.safeModeMs > 0;
    this.minimumEndsAt = startedAt + config.safeModeMs;
    // The minimum wins over a smaller cap: safe mode always lasts safe_mode.
    this.capEndsAt = startedAt + Math.max(config.safeModeMs, config.safeModeMaxMs);
  }

  get paused(): boolean {
    return this.safeMode || this.brake;
  }

  /** When safe mode ends, or may, while it lasts. */
  nextDeadline(): number | undefined {
    if (!this.safeMode) return undefined;
    return this.waiting ? this.capEndsAt : this.minimumEndsAt;
  }

  /** Ends safe mode once its minimum is up and every live server has reported, or at its cap. */
  advance(now: number, reports: ReportsAwaited = NONE_AWAITED): void {
    if (!this.safeMode || now < this.minimumEndsAt) return;
    const settled = reports.awaiting === 0;
    if (!settled && now < this.capEndsAt) {
      this.waiting = true;
      return;
    }
    this.safeMode = false;
    this.waiting = false;
    const at = settled ? Math.min(Math.max(this.minimumEndsAt, reports.settledAt), this.capEndsAt) : this.capEndsAt;
    this.changed({ type: 'safe_mode_exited', at });
  }

  /** Engages the brake while more than max_dead_fraction of the `known` servers that count for it are dead. */
  checkBrake(known: number, alive: number, at: number): void {
    const dead = known - alive;
    const engaged = known > 0 && dead / known > this.config.maxDeadFraction;
    if (engaged === this.brake) return;
    this.brake = engaged;
    this.changed({ type: engaged ? 'brake_engaged' : 'brake_released', at, dead, known });
  }

  /** safeModeRemainingMs: until the minimum while it runs, then until the cap (the most it can still last). */
  state(now: number): Pick<ReplicationState, 'safeMode' | 'safeModeRemainingMs' | 'brakeEngaged'> {
    const end = now < this.minimumEndsAt ? this.minimumEndsAt : this.capEndsAt;
    const remaining = this.safeMode ? Math.max(0, end - now) : 0;
    return { safeMode: this.safeMode, safeModeRemainingMs: remaining, brakeEngaged: this.brake };
  }
}
