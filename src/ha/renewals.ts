/**
 * When a lease was last renewed, by the sending of the keep-alive etcd
 * answered. etcd answers one keep-alive stream in order, one answer per
 * request, so each answer belongs to the oldest request still waiting; a
 * failed stream loses its waiting requests, and an answer nothing waits for
 * (a late one from a stream given up) renews nothing.
 */
export class Renewals {
  private readonly waiting: number[] = [];
  private last: number;

  /** `grantSentAt`: the lease lasts at least its TTL from the grant's sending, once granted. */
  constructor(grantSentAt: number) {
    this.last = grantSentAt;
  }

  /** When the keep-alive answered last was sent. */
  get renewedAt(): number {
    return this.last;
  }

  /** How many keep-alives wait for their answer. */
  get outstanding(): number {
    return this.waiting.length;
  }

  sent(now: number): void {
    this.waiting.push(now);
  }

  /** An answer came: true when it renewed the lease from a later sending than before. */
  answered(): boolean {
    const sentAt = this.waiting.shift();
    if (sentAt === undefined || sentAt <= this.last) return false;
    this.last = sentAt;
    return true;
  }

  /** The stream failed: what it was sent waits for nothing now. */
  failed(): void {
    this.waiting.length = 0;
  }
}
