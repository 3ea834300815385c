import type { GroupConfig } from '../runtime/config.js';
import type { CoreDriver } from '../runtime/driver.js';
import type { IntentKind, Member, MasterGroup } from '../runtime/group.js';
import type { Logger } from '../runtime/logger.js';
import { EtcdElection } from './election.js';
import { type Intent, IntentLog } from './intent.js';

/** The group settings of a master that has --etcd (the rest are checked present when read). */
export type JoinedConfig = GroupConfig & { etcd: string[]; masterId: string; advertiseUrl: string };

/**
 * This master as one of a group on etcd (CONTRACT 10): the election tells
 * the core its role, epoch and deadline, and every operator intent written
 * to etcd, by any master, is applied here from the watch. The core itself
 * never hears of etcd.
 */
export class GroupMember implements MasterGroup {
  readonly masterId: string;
  private readonly election: EtcdElection;
  private readonly intents: IntentLog;
  /** Drained in etcd before this master heard of them: drained when they first heartbeat. */
  private readonly awaited = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(
    config: JoinedConfig,
    private readonly driver: CoreDriver,
    private readonly log: Pick<Logger, 'info'>,
  ) {
    this.masterId = config.masterId;
    const { etcd: endpoints, etcdPrefix: prefix, masterId, advertiseUrl, leaderLeaseMs } = config;
    this.election = new EtcdElection({
      endpoints,
      prefix,
      masterId,
      advertiseUrl,
      leaderLeaseMs,
      onLeadership: (leadership) => driver.run((now) => driver.master.setLeadership(now, leadership)),
    });
    this.intents = new IntentLog({ endpoints, prefix, masterId, apply: (intent) => this.apply(intent) });
    this.unsubscribe = driver.onEvent((event) => {
      // Out of the event's delivery: applying runs the core again.
      if (event.type === 'server_alive' && this.awaited.delete(event.server)) queueMicrotask(() => this.apply({ kind: 'drain', server: event.server }));
    });
  }

  /** Campaigns and watches in the background; the core is told it is a follower at once. */
  start(): void {
    this.election.start();
    this.intents.start();
  }

  members(): readonly Member[] {
    return this.election.members();
  }

  intend(kind: IntentKind, server: string): Promise<void> {
    return this.intents.write(kind, server);
  }

  /** Resigns, so that another master is elected at once, and stops watching. */
  async close(): Promise<void> {
    this.unsubscribe();
    await Promise.all([this.election.close(), this.intents.close()]);
  }

  private apply({ kind, server }: Intent): void {
    this.driver.run((now) => {
      const master = this.driver.master;
      if (kind === 'forget') {
        this.log.info({ server, outcome: master.forgetServer(now, server) }, 'operator intent from etcd: forget');
      } else if (master.drainServer(now, server) === undefined) {
        this.awaited.add(server);
      } else {
        this.log.info({ server }, 'operator intent from etcd: drain');
      }
    });
  }
}
