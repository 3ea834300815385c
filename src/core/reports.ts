import type { Planner } from './planner.js';
import type { ReplicaMap } from './replicas.js';

/**
 * Applies full chunk reports as a diff. Per-chunk stamps dedupe one report
 * in O(its length): an identical report costs one lookup per handle and no
 * writes; only a report that dropped something walks the server's list.
 */
export class FullReports {
  private stamps = new Uint32Array(1024);
  private epoch = 0;

  constructor(
    private readonly replicas: ReplicaMap,
    private readonly planner: Planner,
  ) {}

  /**
   * Replaces a server's chunk list. With `recountAll`, every reported chunk
   * is re-filed (its replica just started counting again).
   */
  apply(server: number, handles: readonly string[], recountAll: boolean, now: number): void {
    const epoch = this.nextEpoch();
    let seen = 0;
    for (const handle of handles) {
      const id = this.replicas.intern(handle);
      if (id >= this.stamps.length) this.growStamps(id);
      if (this.stamps[id] === epoch) continue;
      this.stamps[id] = epoch;
      seen++;
      if (this.replicas.add(server, id)) this.planner.replicaAdded(server, id, now);
      else if (recountAll) this.planner.touch(id, now);
    }
    if (seen === this.replicas.countOf(server)) return;
    for (const id of [...this.replicas.chunksOf(server)]) {
      if (this.stamps[id] !== epoch && this.replicas.remove(server, id)) this.planner.replicaRemoved(server, id, now);
    }
  }

  private nextEpoch(): number {
    if (this.epoch === 0xffffffff) {
      this.stamps.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
  }

  private growStamps(id: number): void {
    let size = this.stamps.length;
    while (size <= id) size *= 2;
    const grown = new Uint32Array(size);
    grown.set(this.stamps);
    this.stamps = grown;
  }
}
