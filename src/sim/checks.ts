import type { CoreConfig, ReplicationState } from '../core/index.js';
import type { Servers, SimServer } from './servers.js';

/** What the checker may look at: the simulated world, and the master only through read-only questions. */
export interface Observed {
  readonly now: number;
  readonly config: CoreConfig;
  readonly servers: Servers;
  /** Bumped on every master restart. */
  readonly masterEpoch: number;
  /** The master's live holders of a chunk. */
  locations(chunk: string): string[];
  /** Of these chunks, those the master counts a live replica of on `server` (one question for all). */
  heldBy(server: string, chunks: readonly string[]): string[];
  /** Replicas the master stores for a server. */
  replicaCount(server: string): number;
  replicationState(): ReplicationState;
  /** Of the time from `from` to `to`, how long the master was stopped (it could hear no one); none when not told. */
  pausedMs?(from: number, to: number): number;
}

/**
 * The simulator's invariants, checked as the run goes:
 * 1. no instruction of the master destroys a chunk's last copy on any disk
 *    (unless a fault the master had no report of took the other copies);
 * 2. no delete is asked for that leaves fewer than target RF live replicas
 *    by the master's own knowledge;
 * 3. a server heard from within the dead timeout is never marked dead
 *    (time the master was stopped does not count);
 * 4. after the faults stop, every chunk with a surviving copy gets back to
 *    target RF (or to the number of eligible servers) with nothing pending;
 * 5. once a full report completes, the master's map for that server equals
 *    its disk (but for handles changed since and not reported yet), and
 *    from then on, after each answered incremental report, it counts as
 *    many replicas for that server as the disk holds (the same way);
 * 6. no more than max_full_report_leases servers are asked for a full
 *    report at once.
 * An observer: each check returns what it found broken and changes nothing.
 */
export class Checker {
  private believedOthers: string[] = [];
  /** The most servers seen asked for a full report at once. */
  mostAsked = 0;

  constructor(private readonly world: Observed) {}

  beforeDelete(server: SimServer, chunk: string): string[] {
    const { servers, config } = this.world;
    this.believedOthers = this.world.locations(chunk).filter((id) => id !== server.id);
    const remaining = this.believedOthers.filter((id) => !servers.get(id).deletedUnreported.has(chunk));
    if (remaining.length >= config.replicationFactor) return [];
    return [`delete of ${chunk} on ${server.id} leaves ${remaining.length} live replicas (${remaining.join(', ')}), below target RF ${config.replicationFactor}`];
  }

  afterDelete(server: SimServer, chunk: string): string[] {
    const { servers } = this.world;
    if (servers.copiesOf(chunk).length > 0) return [];
    const excused = this.believedOthers.some((id) => servers.get(id).lostSinceReport || servers.get(id).gone);
    return excused ? [] : [`delete of ${chunk} on ${server.id} destroyed its last copy`];
  }

  onCopyOrder(source: SimServer, target: SimServer, chunk: string): string[] {
    const found: string[] = [];
    if (source === target) found.push(`${source.id} told to copy ${chunk} to itself`);
    if (this.world.locations(chunk).includes(target.id)) found.push(`${source.id} told to copy ${chunk} to ${target.id}, which already holds it`);
    return found;
  }

  onDeath(server: SimServer, at: number, timeoutMs: number): string[] {
    const paused = this.world.pausedMs?.(server.lastHeard, at) ?? 0;
    if (at - server.lastHeard - paused >= timeoutMs) return [];
    const credit = paused > 0 ? `, ${paused} ms of it stopped` : '';
    return [`${server.id} marked dead at ${at}, heard from at ${server.lastHeard}${credit} (timeout ${timeoutMs})`];
  }

  /**
   * The master's map for the server, read through its public questions,
   * against the disk: every chunk on disk held there, and no more replicas
   * than that. Handles in `unknown` may be either way. Not `thorough`: the
   * count alone, when the map was found right with this very disk before.
   */
  afterFullReport(server: SimServer, unknown: ReadonlySet<string>, thorough = true): string[] {
    if (!thorough && unknown.size === 0 && this.world.replicaCount(server.id) === server.disk.size) return [];
    const expected = [...server.disk].filter((chunk) => !unknown.has(chunk));
    const held = new Set(this.world.heldBy(server.id, expected));
    const missing = expected.filter((chunk) => !held.has(chunk));
    const extra = this.world.replicaCount(server.id) - held.size - this.world.heldBy(server.id, [...unknown]).length;
    if (missing.length === 0 && extra === 0) return [];
    const shown = missing.slice(0, 5).join(', ');
    return [`after ${server.id}'s full report the master lacks ${missing.length} of its ${expected.length} chunks (${shown}) and holds ${extra} it does not have`];
  }

  /**
   * Between full reports, once an incremental heartbeat is answered: the
   * master, which has the server's list, counts as many replicas for it as
   * its disk holds, but for handles changed since and not reported yet.
   */
  afterChanges(server: SimServer): string[] {
    const unknown = [...server.touched];
    const want = server.disk.size - unknown.filter((chunk) => server.disk.has(chunk)).length;
    const got = this.world.replicaCount(server.id) - this.world.heldBy(server.id, unknown).length;
    if (got === want) return [];
    return [`after ${server.id}'s incremental report the master counts ${got} replicas for it where its disk holds ${want}`];
  }

  /**
   * The master asked a server for its full list. The ask counts from the
   * first of its lease until the master has the whole report (or the lease
   * is surely gone): a lower bound of the leases the master holds, so more
   * than the cap is a broken cap.
   */
  onAsk(server: SimServer): string[] {
    const { now, servers, config, masterEpoch } = this.world;
    const asked = server.asked;
    if (asked === undefined || !this.inLease(server)) server.asked = { at: now, masterEpoch, deaths: server.deaths, done: false };
    else asked.done = false;
    const outstanding = servers.all.filter((s) => this.inLease(s) && s.asked?.done === false).length;
    this.mostAsked = Math.max(this.mostAsked, outstanding);
    const cap = config.maxFullReportLeases;
    return outstanding > cap ? [`${outstanding} servers asked for a full report at once, above max_full_report_leases ${cap}`] : [];
  }

  private inLease(server: SimServer): boolean {
    const asked = server.asked;
    const { now, config, masterEpoch } = this.world;
    return asked !== undefined && now < asked.at + config.pendingTimeoutMs && asked.masterEpoch === masterEpoch && asked.deaths === server.deaths;
  }

  /** Nothing stands between the cluster and full replication. */
  converged(handles: readonly string[]): boolean {
    return this.gaps(handles).all.length === 0;
  }

  /**
   * Full replication must have been reached, and no chunk may lack replicas
   * at the end (a copy that outlived its timeout may still land late and
   * leave a transient excess, with its delete under way).
   */
  atEnd(handles: readonly string[], reached: boolean, faultsEndMs: number): string[] {
    const gaps = this.gaps(handles);
    if (reached && gaps.lacking.length === 0) return [];
    const shown = reached ? gaps.lacking : gaps.all;
    const more = shown.length > 5 ? `; ${shown.length - 5} more` : '';
    return [`not back to full replication ${this.world.now - faultsEndMs} ms after faults stopped: ${shown.slice(0, 5).join('; ')}${more}`];
  }

  /** What stands between the cluster and full replication; `all` is empty when nothing does. */
  private gaps(handles: readonly string[]): { all: string[]; lacking: string[] } {
    const { servers, config } = this.world;
    const state = this.world.replicationState();
    const all: string[] = [];
    const lacking: string[] = [];
    if (state.pendingCopies > 0) all.push(`${state.pendingCopies} copies pending`);
    if (state.pendingDeletes > 0) all.push(`${state.pendingDeletes} deletes pending`);
    if (state.brakeEngaged) all.push('brake engaged');
    const eligible = servers.all.filter(
      (s) => s.up && !s.gone && !s.partitioned && s.health === 'healthy' && servers.diskPct(s) < config.diskFullPct,
    ).length;
    const want = Math.min(config.replicationFactor, eligible);
    for (const chunk of handles) {
      if (!servers.copiesOf(chunk).some((s) => s.up)) continue;
      const live = this.world.locations(chunk).length;
      const gap = `${chunk} has ${live} live replicas, wants ${want}`;
      if (live < want) lacking.push(gap);
      if (live < want || live > config.replicationFactor) all.push(gap);
    }
    return { all, lacking };
  }
}

/** What the epoch check needs to know of one obeyed instruction. */
export interface Obeyed {
  server: string;
  /** The master whose reply carried it, and the reply's epoch. */
  master: string;
  epoch: number;
  at: number;
  /** The master the election made leader of that epoch (undefined: no election did), and the end of its lease as it stands. */
  leader: string | undefined;
  leaseEnd: number;
}

/**
 * 7. With several masters (CONTRACT 10): at most one epoch's instructions
 *    are obeyed at a time. Every instruction a server obeys comes from the
 *    leader the election made of its reply's epoch, within that leader's
 *    lease, and never from an epoch lower than one already obeyed (so no two
 *    epochs overlap in time).
 */
export class EpochCheck {
  private highest: Obeyed | undefined;
  /** Instructions obeyed, per epoch. */
  readonly obeyed = new Map<number, number>();

  onObey(obeyed: Obeyed, count: number): string[] {
    const { server, master, epoch, at, leader, leaseEnd } = obeyed;
    const found: string[] = [];
    const what = `${server} obeyed ${count} instructions of epoch ${epoch} from ${master}`;
    if (leader !== master) found.push(`${what}, which ${leader === undefined ? 'no election made anyone leader of' : `${leader} led`}`);
    else if (at >= leaseEnd) found.push(`${what} at ${at}, after its lease ended at ${leaseEnd}`);
    const highest = this.highest;
    if (highest !== undefined && epoch < highest.epoch) found.push(`${what} after ${highest.server} obeyed epoch ${highest.epoch} at ${highest.at}`);
    if (highest === undefined || epoch >= highest.epoch) this.highest = obeyed;
    this.obeyed.set(epoch, (this.obeyed.get(epoch) ?? 0) + count);
    return found;
  }
}
