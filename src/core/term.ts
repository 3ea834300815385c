import type { CoreEvent, Leadership, LeadershipView } from './types.js';

/**
 * What a change of leadership means for this master's instructions:
 * `promoted` to lead a new term, `resumed` the term it led (renewed after its
 * deadline had passed: no other master can have led meanwhile), `demoted`.
 */
export type TermChange = 'promoted' | 'resumed' | 'demoted' | undefined;

/**
 * This master's part in a group of masters (CONTRACT 10), as the election
 * last told it. A single master is never told and always instructs. A leader
 * instructs only until its `until`: past it the lease may be about to lapse
 * and another master to be elected, so it falls silent on its own, even if
 * it was stopped and only now runs again, before anyone tells it.
 */
export class Term {
  private told: Leadership | undefined;
  private leading = false;
  /** The last term this master led. */
  private ledEpoch: number | undefined;

  constructor(private readonly push: (event: CoreEvent) => void) {}

  /** Whether the replies carry instructions: a single master, or a leader within its deadline. */
  get instructs(): boolean {
    return this.told === undefined || this.leading;
  }

  /** What the replies say of the group; undefined for a single master. */
  get view(): LeadershipView | undefined {
    if (this.told === undefined) return undefined;
    const { epoch, leader } = this.told;
    return { role: this.leading ? 'leader' : 'follower', epoch, leader };
  }

  /** When a leader must fall silent unless renewed. */
  nextDeadline(): number | undefined {
    return this.leading ? this.told?.until : undefined;
  }

  /** The election's latest word. */
  set(now: number, next: Leadership): TermChange {
    const before = this.told;
    const leading = next.role === 'leader' && now < next.until;
    // Lost first, then elected: the log reads in the order things happened. A
    // leader re-elected for a new term lost the old one on the way.
    const change = leading && this.ledEpoch === next.epoch ? undefined : this.follow(now, false);
    if (before === undefined || before.epoch !== next.epoch || before.leader !== next.leader) {
      this.push({ type: 'leader_elected', at: now, epoch: next.epoch, leader: next.leader, self: next.role === 'leader' });
    }
    this.told = { ...next };
    return leading ? this.follow(now, true) : change;
  }

  /** A leader whose deadline has passed stops instructing. */
  advance(now: number): TermChange {
    const told = this.told;
    return told === undefined || !this.leading ? undefined : this.follow(now, now < told.until);
  }

  private follow(now: number, leading: boolean): TermChange {
    if (leading === this.leading) return undefined;
    this.leading = leading;
    const epoch = (this.told as Leadership).epoch;
    if (!leading) {
      this.push({ type: 'leadership_lost', at: now, epoch });
      return 'demoted';
    }
    const resumed = this.ledEpoch === epoch;
    this.ledEpoch = epoch;
    return resumed ? 'resumed' : 'promoted';
  }
}
