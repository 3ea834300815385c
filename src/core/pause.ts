import type { CoreConfig } from './config.js';
import type { CoreEvent, ReplicationState } from './types.js';

/**
 * Why re-replication may be paused: safe mode right after start (until every
 * live server has had time to report, a chunk not heard of yet is not lost)
 * and the mass-failure brake (with most of the fleet gone, copying would only
 * make a storm). Each change is told through `changed`.
 */
export class PlanningPause {
  private safeMode: boolean;
  private brake = false;
  private readonly safeModeEndsAt: number;

  constructor(
    private readonly config: CoreConfig,
    startedAt: number,
    private readonly changed: (event: CoreEvent) => void,
  ) {
    this.safeMode = config.safeModeMs > 0;
    this.safeModeEndsAt = startedAt + config.safeModeMs;
  }

  get paused(): boolean {
    return this.safeMode || this.brake;
  }

  /** When safe mode ends, while it lasts. */
  nextDeadline(): number | undefined {
    return this.safeMode ? this.safeModeEndsAt : undefined;
  }

  /** Ends safe mode once its time is up. */
  advance(now: number): void {
    if (!this.safeMode || now < this.safeModeEndsAt) return;
    this.safeMode = false;
    this.changed({ type: 'safe_mode_exited', at: this.safeModeEndsAt });
  }

  /** Engages the brake while more than max_dead_fraction of the `known` servers that count for it are dead. */
  checkBrake(known: number, alive: number, at: number): void {
    const dead = known - alive;
    const engaged = known > 0 && dead / known > this.config.maxDeadFraction;
    if (engaged === this.brake) return;
    this.brake = engaged;
    this.changed({ type: engaged ? 'brake_engaged' : 'brake_released', at, dead, known });
  }

  state(now: number): Pick<ReplicationState, 'safeMode' | 'safeModeRemainingMs' | 'brakeEngaged'> {
    const remaining = this.safeMode ? Math.max(0, this.safeModeEndsAt - now) : 0;
    return { safeMode: this.safeMode, safeModeRemainingMs: remaining, brakeEngaged: this.brake };
  }
}
