/** Example ids or handles a summary line carries at most. */
export const MAX_EXAMPLES = 10;

/** What a window folded: how many occurrences, a few examples, and the sums of their values. */
export interface Folded {
  count: number;
  examples: string[];
  totals: Record<string, number>;
}

/**
 * One kind of repeated log line, in the model of HDFS's LogThrottlingHelper:
 * the first `burst` occurrences of a window are written as they come, the
 * rest are folded into one summary when the window ends. While occurrences
 * keep coming there is one summary per window; a quiet window ends the
 * throttling, so the next occurrence is written at once. Told the time.
 */
export class LogThrottle {
  private windowEnd: number | undefined;
  private written = 0;
  private folded = emptyFold();

  constructor(
    readonly windowMs: number,
    private readonly burst: number,
  ) {}

  /** True when this occurrence is to be written now; false when it was folded into the window's summary. */
  record(now: number, examples: readonly string[], values: Record<string, number> = {}): boolean {
    if (this.windowEnd === undefined) {
      this.windowEnd = now + this.windowMs;
      this.written = 0;
    }
    if (this.written < this.burst) {
      this.written++;
      return true;
    }
    const fold = this.folded;
    fold.count++;
    for (const example of examples) if (fold.examples.length < MAX_EXAMPLES) fold.examples.push(example);
    for (const [name, value] of Object.entries(values)) fold.totals[name] = (fold.totals[name] ?? 0) + value;
    return false;
  }

  /** The summary of a window that has ended (any window, when `force`), if it folded anything. */
  take(now: number, force = false): Folded | undefined {
    if (this.windowEnd === undefined || (now < this.windowEnd && !force)) return undefined;
    const fold = this.folded;
    this.folded = emptyFold();
    if (fold.count === 0) {
      this.windowEnd = undefined;
      return undefined;
    }
    // Still repeating: the next window folds from its first occurrence.
    this.windowEnd = now + this.windowMs;
    this.written = this.burst;
    return fold;
  }

  /** When the current window ends, if one is open. */
  nextDeadline(): number | undefined {
    return this.windowEnd;
  }
}

function emptyFold(): Folded {
  return { count: 0, examples: [], totals: {} };
}
