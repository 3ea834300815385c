import type { Leadership } from '../core/index.js';
import type { Agenda } from './agenda.js';
import type { Rng } from './prng.js';
import type { Trace } from './trace.js';

/** The leader's etcd lease (CONTRACT 10's --leader-lease-ms default). */
export const LEASE_MS = 5000;

/** A master as the election sees it. */
export interface Candidate {
  readonly id: string;
  /** Its advertise URL: what replies name as the leader. */
  readonly url: string;
  /** Running, so able to campaign, renew and hear the election: neither crashed nor stopped. */
  readonly running: boolean;
  /** Its process's incarnation: a lease is its etcd session's, which a restarted process cannot renew. */
  readonly session: number;
  /** Hands the election's word to the master's core. */
  tell(leadership: Leadership): void;
}

/** One term: its leader (and its session), and the send time of the leader's last successful renewal. */
export interface Term {
  readonly epoch: number;
  readonly leader: string;
  readonly session: number;
  readonly from: number;
  renewed: number;
}

/**
 * etcd's election, as a master group sees it (src/ha does it for real): a
 * leader holds a lease of `leaseMs`, renews it every third of that while it
 * runs and reaches etcd, and tells its core it may instruct until its last
 * renewal's send time plus the lease less a fifth (the margin). A lease
 * renewed no more expires `leaseMs` after its last renewal, never earlier, and
 * only then is another leader elected, with a higher epoch (the etcd create
 * revision of its key): no two leases overlap. While etcd is out of reach no
 * one renews, hears of a change or is elected; the lease runs out regardless.
 * Every running master is told of each new term, and the leader of each
 * renewal, through its driver; a master that starts or resumes is told where
 * things stand.
 */
export class Election {
  private readonly terms = new Map<number, Term>();
  private current: Term | undefined;
  /** The highest epoch so far (0 before the first term). */
  private epoch = 0;
  private reachable = true;
  elections = 0;

  constructor(
    private readonly agenda: Agenda,
    private readonly rng: Rng,
    private readonly trace: Trace,
    private readonly candidates: readonly Candidate[],
    readonly leaseMs = LEASE_MS,
  ) {}

  /** The first campaign, and the renewal loop. */
  start(): void {
    this.epoch = this.rng.int(1, 50);
    this.expire();
    const renewEvery = Math.floor(this.leaseMs / 3);
    const renew = (): void => {
      this.renew();
      this.agenda.after(renewEvery, renew);
    };
    this.agenda.after(renewEvery, renew);
  }

  get etcdReachable(): boolean {
    return this.reachable;
  }

  /** The leader now, as etcd has it (undefined between terms). */
  get leader(): Term | undefined {
    return this.current;
  }

  term(epoch: number): Term | undefined {
    return this.terms.get(epoch);
  }

  /** When the term's lease ends, as it stands (it moves with each renewal). */
  leaseEnd(term: Term): number {
    return term.renewed + this.leaseMs;
  }

  /** etcd out of reach of every master, or back. */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
    this.trace.add(`${this.agenda.now} etcd ${reachable ? 'reachable' : 'unreachable'}`);
    if (!reachable) return;
    this.renew();
    this.tellAll();
  }

  /** A master started afresh or resumed: it hears where things stand (etcd permitting), and campaigns if no one leads. */
  joined(candidate: Candidate): void {
    if (!this.reachable) return;
    this.expire();
    if (this.current !== undefined) this.tell(candidate);
  }

  /** The leader renews, if it runs and reaches etcd; its core hears its new deadline. */
  private renew(): void {
    this.expire();
    const term = this.current;
    const leader = term && this.candidates.find((c) => this.leads(c, term));
    if (!this.reachable || term === undefined || leader === undefined || !leader.running) return;
    term.renewed = this.agenda.now;
    this.tell(leader);
    this.agenda.at(this.leaseEnd(term), () => this.expire());
  }

  /**
   * Ends the term once its lease has run out (etcd expires leases whether
   * masters reach it or not); with none, a campaigner wins at once.
   */
  private expire(): void {
    const term = this.current;
    if (term !== undefined && this.agenda.now >= this.leaseEnd(term)) {
      this.current = undefined;
      this.trace.add(`${this.agenda.now} etcd lease of epoch ${term.epoch} (${term.leader}) expired`);
    }
    if (this.current === undefined) this.elect();
  }

  /** A running master wins (by lot among those campaigning) a term of a higher epoch; all running masters hear of it. */
  private elect(): void {
    const running = this.candidates.filter((c) => c.running);
    if (!this.reachable || running.length === 0) return;
    const winner = this.rng.pick(running);
    this.epoch += this.rng.int(1, 5);
    const now = this.agenda.now;
    const term: Term = { epoch: this.epoch, leader: winner.id, session: winner.session, from: now, renewed: now };
    this.terms.set(term.epoch, term);
    this.current = term;
    this.elections++;
    this.trace.add(`${now} etcd ${winner.id} elected for epoch ${term.epoch}`);
    this.tellAll();
    this.agenda.at(this.leaseEnd(term), () => this.expire());
  }

  private leads(candidate: Candidate, term: Term): boolean {
    return candidate.id === term.leader && candidate.session === term.session;
  }

  private tellAll(): void {
    for (const candidate of this.candidates) if (candidate.running) this.tell(candidate);
  }

  /** What etcd says to one master: the leader its own deadline, everyone else who leads (null between terms). */
  private tell(candidate: Candidate): void {
    const term = this.current;
    const leading = term !== undefined && this.leads(candidate, term);
    const leader = term === undefined ? null : (this.candidates.find((c) => c.id === term.leader)?.url ?? null);
    const until = leading ? term.renewed + this.leaseMs - this.leaseMs / 5 : 0;
    candidate.tell({ role: leading ? 'leader' : 'follower', epoch: this.epoch, leader, until });
  }
}
