import { type Filing, filingOf } from './filing.js';
import { LargestOnTop } from './smallest.js';
import type { Priority, ReplicationState, ServerStatus, UnderReplicated } from './types.js';
import { type ReadView, liveReplicas, replicasToSweep, serverCounts } from './views.js';

/**
 * Reads cheap enough to serve on every scrape and page request, even right
 * after a server holding a million replicas died. Unlike checkReplication()
 * they never run sweep work: they read the planner's queue as it is filed.
 *
 * With no sweep under way the queue is exact: every chunk below target RF
 * sits in `missing` (no live replica) or in the bucket of its counted
 * replicas, and checkReplication() lists exactly those, minus the chunks no
 * copy could help (want = min(target RF, counted + eligible servers not
 * holding it) is reached: every eligible server holds the chunk). A sweep
 * under way with at most EXACT_SWEEP_BOUND replicas to go is looked at chunk
 * by chunk (filing.ts), so the reads stay exact. Where they can differ:
 * - A bigger sweep (a dead server's replicas dropped in batches, or a drained
 *   server's chunks re-filed): chunks it has not reached are taken as filed.
 *   A chunk whose replicas were all on the dead server shows up only once
 *   the sweep drops them, and an entry not yet re-filed is listed in its old
 *   place (with its current counts); a live server still being reaped is
 *   not yet counted as a place for copies. `replicasToSweep` says how much
 *   is left; the counts catch up batch by batch, one per tick().
 * - With fewer eligible servers than target RF (E of them, E >= 1), a chunk
 *   with counted >= E replicas may be held by every eligible server: the
 *   summary still counts it (an upper bound), the page leaves it out.
 *   With E = 0 no copy can help any chunk, so only missing ones count, as in
 *   the exact list.
 * `exact` is false whenever either case may apply.
 */

export interface Readable {
  readonly config: { readonly diskFullPct: number };
  readView(now: number): ReadView;
  replicationState(now: number): ReplicationState;
}

export interface ReplicationSummary extends ReplicationState {
  /** Under-replicated chunks by priority (see above for where they can differ from the list). */
  underReplicated: Record<Priority, number>;
  /** True when `underReplicated` is exactly what checkReplication() would count. */
  exact: boolean;
  /** Replicas still to be dropped by the sweep (of dead servers, or of ones back before it was done). */
  replicasToSweep: number;
  /** Replicas on live servers (draining ones included). */
  liveReplicas: number;
  servers: Record<ServerStatus, number>;
}

/**
 * Counts by priority and state, pending work, the brake: O(servers + target
 * RF), plus the pending sweep work when it is small enough to look at
 * (EXACT_SWEEP_BOUND); never O(chunks).
 */
export function replicationSummary(master: Readable, now: number): ReplicationSummary {
  const state = master.replicationState(now);
  const view = master.readView(now);
  return summaryOf(state, view, filingOf(view, master.config.diskFullPct));
}

/** The summary from a filing already made, for reads that look at the filing too (health.ts). */
export function summaryOf(state: ReplicationState, view: ReadView, filing: Filing): ReplicationSummary {
  const { counts, exact } = priorityCounts(filing);
  return {
    ...state,
    underReplicated: counts,
    exact: exact && filing.settled,
    replicasToSweep: replicasToSweep(view),
    liveReplicas: liveReplicas(view),
    servers: serverCounts(view),
  };
}

function priorityCounts(filing: Filing): { counts: Record<Priority, number>; exact: boolean } {
  const eligible = filing.eligible;
  const counts: Record<Priority, number> = { missing: filing.sizes[0] as number, critical: 0, normal: 0 };
  let exact = true;
  for (let counted = 0; counted + 1 < filing.sizes.length; counted++) {
    const size = filing.sizes[counted + 1] as number;
    // Only counted >= eligible can have every eligible server among its holders.
    if (counted >= eligible) {
      if (eligible === 0) continue;
      if (size > 0) exact = false;
    }
    counts[priorityOf(counted)] += size;
  }
  return { counts, exact };
}

/** Where a page starts: after this entry (exclusive). `group` is the queue group it was listed from. */
export interface PageCursor {
  group: number;
  chunk: string;
}

export interface UnderReplicatedPage {
  entries: UnderReplicated[];
  /** The cursor of the page after this one; undefined at the end. */
  next: PageCursor | undefined;
}

/** The number of queue groups: missing, then one per counted replica count below target RF. */
export function groupCount(targetRf: number): number {
  return targetRf + 1;
}

/**
 * Up to `limit` entries of checkReplication()'s list after `after`, in its
 * order (fewest counted replicas, then priority, then handle), without
 * finishing any sweep. The queue's groups (missing, then the bucket of each
 * counted replica count) are that order, so a page walks them in turn,
 * skipping the groups before the cursor, and picks the smallest handles of
 * each with a bounded heap: O(n log limit) in the groups it reads, with a
 * census only for entries that could make the page, never a full sort.
 */
export function underReplicatedPage(master: Readable, now: number, limit: number, after?: PageCursor): UnderReplicatedPage {
  const view = master.readView(now);
  const reader = new GroupReader(view, filingOf(view, master.config.diskFullPct));
  const start = after?.group ?? 0;
  const entries: UnderReplicated[] = [];
  let lastGroup = start;
  let more = false;
  for (let group = 0; group < groupCount(view.targetRf) && !more; group++) {
    if (group < start) {
      reader.skip(group);
    } else if (entries.length === limit) {
      more = reader.anyListed(group);
    } else {
      const picked = reader.pick(group, limit - entries.length + 1, group === start ? after?.chunk : undefined);
      more = picked.length > limit - entries.length;
      if (picked.length > 0) lastGroup = group;
      entries.push(...picked.slice(0, limit - entries.length));
    }
  }
  const last = entries[entries.length - 1];
  return { entries, next: more && last !== undefined ? { group: lastGroup, chunk: last.chunk } : undefined };
}

/**
 * Reads the queue's groups in order, from one pass of underReplicated():
 * it yields missing chunks, then each bucket in turn, one entry per chunk,
 * so the filed sizes say where each group ends. Chunks the filing moved are
 * read in the group they belong in instead.
 */
class GroupReader {
  private readonly chunks: Iterator<number>;
  private readonly eligible: number;

  constructor(
    private readonly view: ReadView,
    private readonly filing: Filing,
  ) {
    this.chunks = view.queue.underReplicated();
    this.eligible = filing.eligible;
  }

  skip(group: number): void {
    for (let left = this.filing.filedSizes[group] as number; left > 0 && this.chunks.next().done !== true; left--);
  }

  /** The `count` smallest handles of a group (after `skipThrough`) that checkReplication() would list, in order. */
  pick(group: number, count: number, skipThrough: string | undefined): UnderReplicated[] {
    const heap = new LargestOnTop(count);
    this.each(group, (chunk) => {
      const handle = this.view.replicas.handleOf(chunk);
      // A full heap turns most handles away with one comparison.
      if (!heap.wouldTake(handle) || (skipThrough !== undefined && handle <= skipThrough)) return false;
      const entry = this.listed(chunk, handle);
      if (entry !== undefined) heap.offer(entry);
      return false;
    });
    return heap.sorted();
  }

  /** Whether a group has any entry checkReplication() would list; reads only as far as the first. */
  anyListed(group: number): boolean {
    return this.each(group, (chunk) => this.listed(chunk, this.view.replicas.handleOf(chunk)) !== undefined);
  }

  /** Visits a group's chunks until `visit` says stop; true when it did. Only the last group read may be left unfinished. */
  private each(group: number, visit: (chunk: number) => boolean): boolean {
    const moved = this.filing.moved;
    for (let left = this.filing.filedSizes[group] as number; left > 0; left--) {
      const next = this.chunks.next();
      if (next.done === true) break;
      if ((moved.size === 0 || !moved.has(next.value)) && visit(next.value)) return true;
    }
    return (this.filing.arriving[group] as number[]).some(visit);
  }

  /** The entry checkReplication() gives a queued chunk, or undefined when no copy could help it. */
  private listed(chunk: number, handle: string): UnderReplicated | undefined {
    const census = this.view.census.of(chunk, this.eligible);
    if (census.live > 0 && census.counted >= census.want) return undefined;
    const priority: Priority = census.live === 0 ? 'missing' : priorityOf(census.counted);
    return { chunk: handle, currentRf: census.counted, targetRf: this.view.targetRf, priority };
  }
}

/**
 * Every under-replicated chunk, most urgent first: fewer counted replicas
 * than min(target RF, counted + eligible servers not holding it), or no
 * live replica at all. Exact only with no sweep under way; its cost is that
 * of the queue's under-replicated part plus a sort.
 */
export function underReplicatedList(view: ReadView): UnderReplicated[] {
  const { queue, replicas, targetRf } = view;
  const eligible = view.census.eligibleCount();
  const found: UnderReplicated[] = [];
  for (const chunk of queue.underReplicated()) {
    const census = view.census.of(chunk, eligible);
    if (census.live > 0 && census.counted >= census.want) continue;
    const priority: Priority = census.live === 0 ? 'missing' : priorityOf(census.counted);
    found.push({ chunk: replicas.handleOf(chunk), currentRf: census.counted, targetRf, priority });
  }
  return found.sort((a, b) => a.currentRf - b.currentRf || rank(a.priority) - rank(b.priority) || compareStrings(a.chunk, b.chunk));
}

function rank(priority: Priority): number {
  return priority === 'missing' ? 0 : priority === 'critical' ? 1 : 2;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function priorityOf(counted: number): Priority {
  return counted <= 1 ? 'critical' : 'normal';
}
