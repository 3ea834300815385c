import type { Etcd3, Lease } from 'etcd3';
import { atMost, deadlineIn } from './etcd.js';
import type { KeyTable } from './key-table.js';

/** One master of the group, as GET /leader lists them. */
export interface Member {
  master_id: string;
  url: string;
}

const PUT_TIMEOUT_MS = 2000;
/** Between tries to register again while etcd is away. */
const RETRY_MS = 1000;
const REVOKE_WAIT_MS = 1000;

/**
 * Keeps `<prefix>members/<master id>` = our advertise URL in etcd, under a
 * lease of its own (the campaign's changes with every term), put again under
 * a new lease whenever that one is lost, so a master cut off from etcd longer
 * than its lease shows again once it is back.
 */
export class Membership {
  private lease: Lease | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly client: Etcd3,
    private readonly key: string,
    private readonly url: string,
    private readonly ttlSeconds: number,
  ) {}

  start(): void {
    this.register();
  }

  /** Revokes the lease (the key goes at once), or with `resign` false lets it expire as a crash would. */
  async close(resign = true): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const lease = this.lease;
    this.lease = undefined;
    if (lease === undefined) return;
    if (resign) await atMost(lease.revoke(), REVOKE_WAIT_MS);
    else lease.release();
  }

  private register(): void {
    const lease = this.client.lease(this.ttlSeconds);
    this.lease = lease;
    lease.on('lost', () => this.lost(lease));
    lease.put(this.key).value(this.url).options(deadlineIn(PUT_TIMEOUT_MS)).exec().catch(() => this.lost(lease));
  }

  /** Both a failed put and the lease's loss land here: one new try for the two. */
  private lost(lease: Lease): void {
    if (this.lease !== lease || this.closed) return;
    this.lease = undefined;
    lease.release();
    this.retry = setTimeout(() => this.register(), RETRY_MS);
    this.retry.unref();
  }
}

/** The members a watch of `<prefix>members/` holds, by master id. */
export function membersIn(table: KeyTable, prefix: string): Member[] {
  return [...table.values()]
    .map((entry) => ({ master_id: entry.key.slice(prefix.length), url: entry.value }))
    .sort((a, b) => (a.master_id < b.master_id ? -1 : 1)); // ids are keys: never equal
}
