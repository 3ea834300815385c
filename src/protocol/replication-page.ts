import { type Static, Type } from '@sinclair/typebox';
import { type Master, groupCount, replicationSummary, underReplicatedPage } from '../core/index.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ChunkmasterError } from './errors.js';
import { underReplicatedEntries } from './handlers.js';
import { UnderReplicatedEntry } from './schemas.js';

/*
 * GET /replication, the read HTTP adds to check_replication: a page of the
 * same list at a time, with totals and what holds re-replication back.
 */

export const REPLICATION_PAGE_DEFAULT = 1000;
export const REPLICATION_PAGE_MAX = 10_000;

export const ReplicationQuery = Type.Object({
  limit: Type.Optional(Type.String({
    pattern: '^(?:[1-9][0-9]{0,3}|10000)$',
    description: `Entries per page: 1 to ${REPLICATION_PAGE_MAX}, default ${REPLICATION_PAGE_DEFAULT}.`,
  })),
  after: Type.Optional(Type.String({
    minLength: 1,
    maxLength: 1400,
    pattern: '^[A-Za-z0-9_-]+$',
    description: 'The `next_after` of the previous page: this page starts after its last entry.',
  })),
});

const PriorityCounts = Type.Object({
  missing: Type.Integer({ minimum: 0 }),
  critical: Type.Integer({ minimum: 0 }),
  normal: Type.Integer({ minimum: 0 }),
}, { description: 'Under-replicated chunks by priority, all pages together.' });

export const ReplicationPage = Type.Object({
  safe_mode: Type.Boolean(),
  safe_mode_remaining_ms: Type.Integer({ minimum: 0 }),
  brake_engaged: Type.Boolean({ description: 'Re-replication paused: too many servers are dead.' }),
  pending_copies: Type.Integer({ minimum: 0 }),
  pending_deletes: Type.Integer({ minimum: 0 }),
  under_replicated: Type.Array(UnderReplicatedEntry, { description: 'One page, in the order of check_replication.' }),
  totals: PriorityCounts,
  totals_exact: Type.Boolean({
    description: 'False while a sweep is under way or fewer servers than target RF can take copies: totals may then count chunks the list leaves out, or lag behind it.',
  }),
  sweep_replicas: Type.Integer({
    minimum: 0,
    description: "Dead servers' replicas not yet dropped; until 0, chunks that lost them may be missing from the list and totals.",
  }),
  next_after: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page; null on the last one.' }),
}, { description: 'One page of under-replicated chunks, most urgent first, with totals and what holds re-replication back.' });

/** Cheap reads only: a page never finishes sweep work (check_replication does, for its exact list). */
export function replicationPage(master: Master, now: number, query: Static<typeof ReplicationQuery>): Static<typeof ReplicationPage> {
  const limit = query.limit === undefined ? REPLICATION_PAGE_DEFAULT : Number(query.limit);
  const after = query.after === undefined ? undefined : decodeCursor(query.after, groupCount(master.config.replicationFactor));
  if (query.after !== undefined && after === undefined) throw new ChunkmasterError('NOT_A_CURSOR');
  const summary = replicationSummary(master, now);
  const page = underReplicatedPage(master, now, limit, after);
  return {
    safe_mode: summary.safeMode,
    safe_mode_remaining_ms: Math.ceil(summary.safeModeRemainingMs),
    brake_engaged: summary.brakeEngaged,
    pending_copies: summary.pendingCopies,
    pending_deletes: summary.pendingDeletes,
    under_replicated: underReplicatedEntries(page.entries),
    totals: summary.underReplicated,
    totals_exact: summary.exact,
    sweep_replicas: summary.replicasToSweep,
    next_after: page.next === undefined ? null : encodeCursor(page.next),
  };
}
