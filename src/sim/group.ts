import { type Checker, EpochCheck } from './checks.js';
import { Election } from './election.js';
import type { GroupTarget } from './master-faults.js';
import { type Group, type MasterFactory, MasterNode, type Surroundings } from './node.js';
import { Servers, type SimServer } from './servers.js';
import type { HeartbeatOkBody } from './wire.js';

/**
 * The run's masters: one (CONTRACT 1-9, no election, every reply obeyed)
 * or several (CONTRACT 10): each its own process with its own view of the
 * servers, every server heartbeating each, an election on leases, and the
 * servers' epoch rule, whose obeyed instructions the epoch check judges.
 */
export class MasterGroup implements Group, GroupTarget {
  readonly nodes: MasterNode[] = [];
  readonly election: Election | undefined;
  readonly epochs = new EpochCheck();

  constructor(
    private readonly world: Surroundings,
    servers: Servers,
    count: number,
    makeMaster: MasterFactory,
  ) {
    const group = count > 1 ? this : undefined;
    for (let i = 0; i < count; i++) this.nodes.push(new MasterNode(i, world, i === 0 ? servers : Servers.portsOf(servers), makeMaster, group));
    this.election = count > 1 ? new Election(world.agenda, world.rng, world.trace, this.nodes) : undefined;
  }

  get masters(): readonly MasterNode[] {
    return this.nodes;
  }

  get leaseMs(): number {
    return this.election?.leaseMs ?? 0;
  }

  get etcdReachable(): boolean {
    return this.election?.etcdReachable ?? true;
  }

  setEtcdReachable(reachable: boolean): void {
    if (reachable !== this.etcdReachable) this.election?.setReachable(reachable);
  }

  /** The master that leads now, if one does. */
  leader(): MasterNode | undefined {
    if (this.election === undefined) return this.nodes[0];
    const term = this.election.leader;
    return term === undefined ? undefined : this.nodes.find((node) => node.id === term.leader && node.session === term.session);
  }

  /** Whose map the end of the run is judged by: the leader's (undefined when there is none). */
  judge(): Checker | undefined {
    return this.leader()?.checker;
  }

  /**
   * 8. Warm standbys: at the end, each follower's map holds every chunk at
   *    target RF as well (a follower ingests every report as the leader does).
   */
  standbys(handles: readonly string[], faultsEndMs: number): string[] {
    const leader = this.leader();
    const followers = this.election === undefined ? [] : this.nodes.filter((node) => node !== leader);
    return followers.flatMap((node) => node.checker.atEnd(handles, true, faultsEndMs).map((found) => `${node.id}, a follower: ${found}`));
  }

  start(): void {
    this.election?.start();
  }

  /** The end of the fault window: every master runs, reaches the servers and etcd. */
  heal(): void {
    for (const node of this.nodes) {
      node.cut = false;
      if (node.state === 'crashed') node.restart();
      else if (node.state === 'paused') node.resume();
    }
    this.setEtcdReachable(true);
  }

  close(): void {
    for (const node of this.nodes) node.close();
  }

  joined(node: MasterNode): void {
    this.election?.joined(node);
  }

  /**
   * A chunk server's rule (CONTRACT 10): every reply's epoch raises the
   * highest it has seen; it acts only on instructions of a reply whose epoch
   * is that highest. What it acts on is judged: one epoch at a time.
   */
  heeds(node: MasterNode, server: SimServer, reply: HeartbeatOkBody): boolean {
    const { summary, trace, agenda } = this.world;
    const group = summary.group;
    const count = (reply.chunks_to_delete?.length ?? 0) + (reply.chunks_to_replicate?.length ?? 0);
    const epoch = reply.epoch;
    if (epoch === undefined) {
      this.world.note([`${node.id}'s reply to ${server.id} carries no epoch`]);
      return false;
    }
    if (!server.epochs.admit(epoch)) {
      group.ignored += count;
      if (count > 0) trace.add(`${agenda.now} ${server.id} ignores ${count} instructions of epoch ${epoch} from ${node.id}: it has seen ${server.epochs.seen}`);
      return count === 0;
    }
    if (count === 0) return true;
    const election = this.election as Election;
    const term = election.term(epoch);
    const obeyed = { server: server.id, master: node.id, epoch, at: agenda.now, leader: term?.leader, leaseEnd: term ? election.leaseEnd(term) : 0 };
    this.world.note(this.epochs.onObey(obeyed, count));
    group.obeyed += count;
    return true;
  }
}
