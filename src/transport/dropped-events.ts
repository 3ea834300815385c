import type { CoreEvent } from '../core/index.js';
import type { Body } from '../protocol/dispatch.js';

/**
 * Events a lagging subscriber did not get, as counts: the `events_dropped`
 * frame it gets once it catches up tells it how many and of which types, so
 * it knows to re-read the state (server_status, check_replication) it missed.
 */
export class DroppedEvents {
  private count = 0;
  private readonly byType: Record<string, number> = {};
  private firstAt = 0;
  private lastAt = 0;

  add(event: CoreEvent): void {
    if (this.count === 0) this.firstAt = event.at;
    this.count++;
    this.lastAt = event.at;
    this.byType[event.type] = (this.byType[event.type] ?? 0) + 1;
  }

  summary(): Body {
    return { type: 'events_dropped', count: this.count, by_type: this.byType, first_at: this.firstAt, last_at: this.lastAt };
  }
}
