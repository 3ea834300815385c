import { ChunkTally } from './tallies.js';
import type { CoreEvent } from './types.js';

/**
 * Events waiting for takeEvents(). A chunk that loses its last live replica
 * is never an event of its own: it counts in the tally of the departure
 * under way, if any (told in that server's server_reaped event), or else in
 * one chunks_missing event for the whole step.
 */
export class Outbox {
  private readonly events: CoreEvent[] = [];
  /** Chunks that lost their last live replica this step, outside any departure. */
  private missing = new ChunkTally();

  constructor(private readonly departureTally: () => ChunkTally | undefined) {}

  push(event: CoreEvent): void {
    this.events.push(event);
  }

  chunkMissing(handle: string): void {
    (this.departureTally() ?? this.missing).add(handle);
  }

  /** Every event since the last call, the step's missing chunks summed into one last. */
  take(now: number): CoreEvent[] {
    if (this.missing.count > 0) {
      this.events.push({ type: 'chunks_missing', at: now, count: this.missing.count, examples: this.missing.examples });
      this.missing = new ChunkTally();
    }
    return this.events.splice(0, this.events.length);
  }
}
