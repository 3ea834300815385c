import type { Etcd3, Lease } from 'etcd3';
import { type Clock, monotonicClock } from '../runtime/clock.js';
import { atMost, connectEtcd, deadlineIn } from './etcd.js';
import type { KeyEntry } from './key-table.js';
import { type Candidate, type Leadership, type Term, candidateValue, leaderOf, leaseTtlSeconds, leadershipOf, sameLeadership } from './leadership.js';
import { type Member, Membership, membersIn } from './membership.js';
import { PrefixMirror } from './mirror.js';
import { Renewals } from './renewals.js';

export type LeadershipListener = (leadership: Leadership) => void;

export interface ElectionOptions {
  /** The etcd cluster's client URLs (--etcd). */
  endpoints: readonly string[];
  /** Every key of the group lies under it (--etcd-prefix, e.g. `chunkmaster/`). */
  prefix: string;
  masterId: string;
  advertiseUrl: string;
  /** The lease a leader holds (--leader-lease-ms), rounded up to whole seconds as etcd grants them. */
  leaderLeaseMs: number;
  /** Told every change: a new role, leader or epoch, and every renewal of our lease while leader (`until` moves). */
  onLeadership: LeadershipListener;
  clock?: Clock;
}

/** The keys are `<prefix>election/leader/<lease id>`, where etcd3's Election('leader') would put them. */
const ELECTION_KEYS = 'election/leader/';
/** Before campaigning again after a lost term or a failed campaign: etcd is likely away, no need to hammer it. */
const RECAMPAIGN_MS = 500;
const REQUEST_TIMEOUT_MS = 2000;
const RESIGN_WAIT_MS = 1000;

/** One campaign of ours: its lease, what renewed it, and its key once put. */
interface Run {
  lease: Lease;
  renewals: Renewals;
  key: string | undefined;
}

/**
 * Our master's part in the election among masters (CONTRACT 10), by etcd's
 * election recipe: each candidate puts `<lease id>` under the election
 * prefix with its own lease, and the oldest key (lowest create revision)
 * leads; that revision is the epoch. We lead once the watch of those keys,
 * which has then seen every older key come and go, shows ours the oldest.
 * The leader may instruct up to the last answered keep-alive's sending plus
 * the lease, less a margin, and gives up its term when that passes
 * unrenewed, when its key goes (the lease expired: someone else may lead by
 * now) or when etcd3 calls the lease lost, then campaigns again.
 *
 * Not etcd3's Campaign, though it is the same recipe: waiting for the keys
 * before its own, it leaves a watch behind when resigned that keeps a closed
 * client reconnecting for good (a follower could not exit while the leader
 * lived), and it keeps its lease, whose keep-alives bound the term, private.
 */
export class EtcdElection {
  private readonly client: Etcd3;
  private readonly self: Candidate;
  private readonly ttlSeconds: number;
  private readonly clock: Clock;
  private readonly keys: PrefixMirror;
  private readonly memberKeys: PrefixMirror;
  private readonly membership: Membership;
  private run: Run | undefined;
  private term: Term | undefined;
  private lastEpoch = 0;
  private told: Leadership | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private recampaign: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: ElectionOptions) {
    this.client = connectEtcd(options.endpoints);
    this.ttlSeconds = leaseTtlSeconds(options.leaderLeaseMs);
    this.self = { masterId: options.masterId, url: options.advertiseUrl };
    this.clock = options.clock ?? monotonicClock;
    this.keys = new PrefixMirror(this.client, `${options.prefix}${ELECTION_KEYS}`, () => this.keysChanged());
    this.memberKeys = new PrefixMirror(this.client, `${options.prefix}members/`, () => undefined);
    this.membership = new Membership(this.client, `${options.prefix}members/${options.masterId}`, options.advertiseUrl, this.ttlSeconds);
  }

  /** Watches, registers and campaigns in the background; tells a first leadership (a follower knowing no leader) at once. */
  start(): void {
    this.keys.start();
    this.memberKeys.start();
    this.membership.start();
    this.campaign();
    this.tell();
  }

  /** What was told last. */
  get leadership(): Leadership | undefined {
    return this.told;
  }

  /** The masters registered in etcd as the watch saw them last, by master id. */
  members(): Member[] {
    return membersIn(this.memberKeys.table, this.memberKeys.prefix);
  }

  /**
   * Stops: resigns (revokes the campaign's and the membership's leases, so
   * another master is elected at once) and closes the client. With `resign`
   * false the leases are left to expire, as they would if we crashed.
   */
  async close({ resign = true }: { resign?: boolean } = {}): Promise<void> {
    this.closed = true;
    clearTimeout(this.expiry);
    clearTimeout(this.recampaign);
    const run = this.run;
    this.run = undefined;
    this.term = undefined;
    if (run !== undefined && resign) await atMost(run.lease.revoke(), RESIGN_WAIT_MS);
    else run?.lease.release();
    await Promise.all([this.membership.close(resign), this.keys.close(), this.memberKeys.close()]);
    this.client.close();
  }

  private campaign(): void {
    // The lease lasts its TTL at least from the grant's sending, which the next line starts: the time is taken before.
    const renewals = new Renewals(this.clock.now());
    const run: Run = { lease: this.client.lease(this.ttlSeconds, deadlineIn(REQUEST_TIMEOUT_MS)), renewals, key: undefined };
    this.run = run;
    run.lease.on('keepaliveFired', () => renewals.sent(this.clock.now()));
    run.lease.on('keepaliveSucceeded', () => renewals.answered() && this.renewed(run));
    run.lease.on('keepaliveFailed', () => renewals.failed());
    run.lease.on('lost', () => this.lost(run));
    void this.enter(run);
  }

  /** Puts our key; the watch tells when it leads. */
  private async enter(run: Run): Promise<void> {
    try {
      const key = `${this.keys.prefix}${await run.lease.grant()}`;
      await run.lease.put(key).value(candidateValue(this.self)).options(deadlineIn(REQUEST_TIMEOUT_MS)).exec();
      // A run given up meanwhile keeps its key to itself: the check reads the current run's.
      run.key = key;
      this.keysChanged();
    } catch {
      this.lost(run);
    }
  }

  private won(run: Run, entry: KeyEntry): void {
    this.term = { key: entry.key, epoch: entry.createRevision, renewedAt: run.renewals.renewedAt };
    this.renewed(run);
  }

  private renewed(run: Run): void {
    if (run !== this.run || this.term === undefined) return;
    this.term.renewedAt = run.renewals.renewedAt;
    this.armExpiry(run, this.tell().until);
  }

  /** At `until`, unless renewed by then, the term is over. */
  private armExpiry(run: Run, until: number): void {
    clearTimeout(this.expiry);
    // Timers may fire a little early by our clock: one that does arms the rest.
    this.expiry = setTimeout(() => (this.clock.now() < until ? this.armExpiry(run, until) : this.lost(run)), Math.max(0, until - this.clock.now()));
    this.expiry.unref();
  }

  /** Our key seen the oldest: we lead; seen gone while leading: the term is over. */
  private keysChanged(): void {
    const run = this.run;
    const mine = run?.key === undefined ? undefined : this.keys.table.get(run.key);
    // A term and a key seen both belong to the current run, so there is one.
    if (this.term !== undefined && mine === undefined) return this.lost(run as Run);
    if (this.term === undefined && mine !== undefined && leaderOf(this.keys.table.values()) === mine) return this.won(run as Run, mine);
    this.tell();
  }

  /** The term, if any, is over, and so is the campaign: revoke its lease (its key goes if etcd hears) and campaign anew. */
  private lost(run: Run): void {
    if (run !== this.run) return;
    this.run = undefined;
    this.term = undefined;
    clearTimeout(this.expiry);
    this.tell();
    run.lease.revoke().catch(() => undefined);
    // Never once closed: close() drops the run first, so a late loss of it stops above.
    this.recampaign = setTimeout(() => this.campaign(), RECAMPAIGN_MS);
    this.recampaign.unref();
  }

  private tell(): Leadership {
    const leadership = leadershipOf(this.term, this.self, this.keys.table.values(), this.lastEpoch, this.ttlSeconds);
    this.lastEpoch = leadership.epoch;
    if (!this.closed && !sameLeadership(this.told, leadership)) {
      this.told = leadership;
      this.options.onLeadership(leadership);
    }
    return leadership;
  }
}
