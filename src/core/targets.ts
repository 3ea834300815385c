import type { PendingInstructions } from './pending.js';
import type { ServerRecord } from './registry.js';
import type { ReplicaMap } from './replicas.js';

interface Candidate {
  record: ServerRecord;
  rank: number;
}

/**
 * The servers that can take a copy in one planning round, best first, so a
 * pick usually looks at no more than the chunk's holders. Best is the lowest
 * disk use in 5-point bands (so near-equal disks share the work by in-flight
 * copies), then the fewest incoming copies. A server handed a copy goes back
 * in line at its new rank while it has a free stream.
 */
export class CopyTargets {
  private readonly line: Candidate[];

  constructor(
    eligible: readonly ServerRecord[],
    private readonly copies: PendingInstructions,
    private readonly replicas: Pick<ReplicaMap, 'holds'>,
    private readonly streams: number,
  ) {
    this.line = eligible
      .filter((record) => copies.peerLoadOf(record.index) < streams)
      .map((record) => ({ record, rank: this.rank(record) }))
      .sort((a, b) => a.rank - b.rank);
  }

  get empty(): boolean {
    return this.line.length === 0;
  }

  /** Takes the best server not holding the chunk and not already receiving it out of line; undefined when none is left. */
  take(chunk: number): ServerRecord | undefined {
    const incoming = this.copies.forChunk(chunk);
    const at = this.line.findIndex(({ record }) => !this.replicas.holds(record.index, chunk) && !incoming.some((item) => item.peer === record.index));
    return at < 0 ? undefined : (this.line.splice(at, 1)[0] as Candidate).record;
  }

  /** After a copy to it was planned: back in line, behind every server ranked the same or better, while it has a free stream. */
  putBack(record: ServerRecord): void {
    if (this.copies.peerLoadOf(record.index) >= this.streams) return;
    const rank = this.rank(record);
    let low = 0;
    let high = this.line.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.line[mid] as Candidate).rank <= rank) low = mid + 1;
      else high = mid;
    }
    this.line.splice(low, 0, { record, rank });
  }

  /** Lower is better. */
  private rank(record: ServerRecord): number {
    const disk = record.diskUsagePct ?? 0;
    return Math.floor(disk / 5) * 1e6 + this.copies.peerLoadOf(record.index) * 1e4 + disk * 10;
  }
}
