/**
 * The pure part of the election: what a master is, as etcd shows it. No I/O:
 * the times are the caller's (monotonic ms), the keys what its watch saw.
 */

import type { Leadership } from '../core/index.js';

export type { Leadership, Role } from '../core/index.js';

/** What a master campaigns with: its election key's value. */
export interface Candidate {
  masterId: string;
  url: string;
}

/** One key under the election prefix, as the watch last saw it. */
export interface ElectionEntry {
  key: string;
  createRevision: number;
  value: string;
}

/** Our own campaign once it has won, and not lost since. */
export interface Term {
  key: string;
  epoch: number;
  /** When the last keep-alive that etcd answered was sent (the grant's sending, before any). */
  renewedAt: number;
}

export function candidateValue(candidate: Candidate): string {
  return JSON.stringify({ masterId: candidate.masterId, url: candidate.url });
}

/** The candidate a key's value names; undefined for anything that is not ours (a foreign writer, an older format). */
export function parseCandidate(value: string): Candidate | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { masterId, url } = parsed as Record<string, unknown>;
  return typeof masterId === 'string' && typeof url === 'string' ? { masterId, url } : undefined;
}

/** etcd leases are whole seconds: rounding up never grants less than was asked for. */
export function leaseTtlSeconds(leaderLeaseMs: number): number {
  return Math.max(1, Math.ceil(leaderLeaseMs / 1000));
}

/**
 * Taken off the end of the lease: room for our clock and etcd's to drift
 * apart and for the core to act on the deadline before it passes. A fifth of
 * the lease, at least 500 ms (always under the 1 s shortest lease).
 */
export function safetyMarginMs(ttlSeconds: number): number {
  return Math.max(500, (ttlSeconds * 1000) / 5);
}

/**
 * Up to when a leader may instruct after a keep-alive sent at `sentAt` was
 * answered: etcd can only have renewed the lease on receiving it, so the
 * lease lasts at least `sentAt + ttl` by our clock. The answer's own arrival
 * time would overstate it by the trip there.
 */
export function leaderUntil(sentAt: number, ttlSeconds: number): number {
  return sentAt + ttlSeconds * 1000 - safetyMarginMs(ttlSeconds);
}

/** The leader among the keys: the one created first (the etcd election recipe: lowest create revision wins). */
export function leaderOf(entries: Iterable<ElectionEntry>): ElectionEntry | undefined {
  let first: ElectionEntry | undefined;
  for (const entry of entries) if (first === undefined || entry.createRevision < first.createRevision) first = entry;
  return first;
}

/**
 * What to tell the core. Our own won term makes us leader (until its
 * deadline); otherwise we follow whoever etcd shows first, or nobody, and
 * keep the last epoch seen so the number never goes back.
 */
export function leadershipOf(term: Term | undefined, self: Candidate, entries: Iterable<ElectionEntry>, lastEpoch: number, ttlSeconds: number): Leadership {
  if (term !== undefined) return { role: 'leader', epoch: term.epoch, leader: self.url, until: leaderUntil(term.renewedAt, ttlSeconds) };
  const leader = leaderOf(entries);
  if (leader === undefined) return { role: 'follower', epoch: lastEpoch, leader: null, until: 0 };
  return { role: 'follower', epoch: leader.createRevision, leader: parseCandidate(leader.value)?.url ?? null, until: 0 };
}

/** Whether two reports say the same (a renewal moves `until`, so it counts as a change). */
export function sameLeadership(a: Leadership | undefined, b: Leadership): boolean {
  return a !== undefined && a.role === b.role && a.epoch === b.epoch && a.leader === b.leader && a.until === b.until;
}
