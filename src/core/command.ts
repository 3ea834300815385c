import type { ReportIntake } from './intake.js';
import type { PlanningPause } from './pause.js';
import type { Planner } from './planner.js';
import type { ServerRegistry } from './registry.js';
import type { ReplicaMap } from './replicas.js';
import { Term, type TermChange } from './term.js';
import type { CoreEvent, HeartbeatReply, Leadership, LeadershipView, ServerStatus } from './types.js';

/**
 * Whether, and how, this master hands out instructions: never while planning
 * is paused (safe mode, brake) or while it does not lead a group of masters;
 * copies only while a new leader waits for full reports (StaleServers).
 */
export class Command {
  private readonly term: Term;

  constructor(
    push: (event: CoreEvent) => void,
    private readonly pause: PlanningPause,
    private readonly planner: Planner,
    private readonly intake: ReportIntake,
    private readonly servers: ServerRegistry,
    private readonly replicas: ReplicaMap,
  ) {
    this.term = new Term(push);
  }

  /** What replies say of the group of masters; undefined for a single master. */
  get view(): LeadershipView | undefined {
    return this.term.view;
  }

  /** When planning, or a leader's deadline, next wants a tick(). */
  nextDeadline(now: number): number | undefined {
    const planning = this.planner.nextDeadline(now, this.pause.paused || !this.term.instructs);
    const silent = this.term.nextDeadline();
    return planning === undefined || (silent !== undefined && silent < planning) ? silent : planning;
  }

  /** A planning round if one is due and this master may instruct at all; returns whether it may. */
  planRound(now: number): boolean {
    if (this.pause.paused || !this.term.instructs) return false;
    this.planner.roundIfDue(now, this.intake.stale.holding);
    return true;
  }

  /**
   * One server's heartbeat reply, with its instructions, each handed out
   * once; none while it may not instruct. Built as one of two literals, not
   * by spreads: a spread builds the reply field by field, on every heartbeat.
   */
  reply(server: number, now: number, status: ServerStatus, fullReport: boolean): HeartbeatReply {
    const { chunksToDelete, chunksToReplicate } = this.instruct(server, now);
    const leadership = this.term.view;
    if (leadership === undefined) return { status, chunksToDelete, chunksToReplicate, fullReport };
    return { status, chunksToDelete, chunksToReplicate, leadership, fullReport };
  }

  private instruct(server: number, now: number): Pick<HeartbeatReply, 'chunksToDelete' | 'chunksToReplicate'> {
    if (!this.planRound(now)) return { chunksToDelete: [], chunksToReplicate: [] };
    const planned = this.planner.deliver(server, now);
    const { replicas, servers } = this;
    return {
      chunksToDelete: planned.deletes.map((chunk) => replicas.handleOf(chunk)),
      chunksToReplicate: planned.copies.map(({ chunk, target }) => ({ chunk: replicas.handleOf(chunk), target: servers.at(target).id })),
    };
  }

  set(now: number, leadership: Leadership): void {
    this.changed(this.term.set(now, leadership), now);
  }

  advance(now: number): void {
    this.changed(this.term.advance(now), now);
  }

  /**
   * A new term drops what was planned before (the reports it waits for say
   * what was done). A leader that falls silent keeps its plan: a delete it
   * handed out may have been carried out and not yet reported, and if it
   * resumes the same term (no one else can have led) it must still count it.
   */
  private changed(change: TermChange, now: number): void {
    if (change === undefined) return;
    if (change === 'promoted') {
      this.planner.abandon(now);
      const live = this.servers.all().filter((record) => record.alive).map((record) => record.index);
      this.intake.promoted(live, now);
    }
    this.planner.markDirty();
  }
}
