/** Mass events carry at most this many example handles: enough to look one up, never one per chunk. */
export const MAX_EXAMPLES = 10;

/** A count of chunks with the first few handles as examples. */
export class ChunkTally {
  count = 0;
  readonly examples: string[] = [];

  add(handle: string): void {
    this.count++;
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(handle);
  }
}

/** What reaping one dead server has dropped so far. */
export interface ReapTally {
  replicas: number;
  missing: ChunkTally;
}
