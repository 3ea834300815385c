import { type Hash, createHash } from 'node:crypto';

/** Hex digits of the SHA-256 shown for a run: 64 bits tell runs apart. */
const SHOWN_HEX = 16;
/** Lines are hashed in batches of about this many characters: one update() per line costs more than the hashing. */
const BATCH_CHARS = 1 << 16;

/**
 * A run's trace: every message in and out and every core event, in order,
 * one canonical line each. Its hash is the run's fingerprint: one seed must
 * always give the same one. Lines are kept only when asked (to show where two
 * runs part); the hash is always made.
 */
export class Trace {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private batch = '';
  private digest: string | undefined;
  readonly lines: string[] | undefined;

  constructor(keepLines = false) {
    this.lines = keepLines ? [] : undefined;
  }

  get entries(): number {
    return this.count;
  }

  add(line: string): void {
    this.batch += `${line}\n`;
    if (this.batch.length >= BATCH_CHARS) this.flush();
    this.count++;
    this.lines?.push(line);
  }

  /** The hash of every line so far; the trace takes no more lines after. */
  finish(): string {
    if (this.digest === undefined) {
      this.flush();
      this.digest = this.hash.digest('hex').slice(0, SHOWN_HEX);
    }
    return this.digest;
  }

  private flush(): void {
    this.hash.update(this.batch);
    this.batch = '';
  }
}
