import type { Etcd3, Watcher } from 'etcd3';
import { atMost, deadlineIn, entryOf } from './etcd.js';
import { type KeyChange, KeyTable } from './key-table.js';

export type ChangeListener = (changes: readonly KeyChange[]) => void;

const READ_TIMEOUT_MS = 2000;
/** Between tries to read the prefix again while etcd is away. */
const RETRY_MS = 500;
const CANCEL_WAIT_MS = 1000;

/**
 * A prefix's keys kept in memory: a whole read, then a watch from the
 * revision after it. After any break the watch is dropped and all of it
 * starts over from a new read: etcd3's watch would resume by itself, but
 * from a revision it may have skipped past, and never from a compacted one.
 * The table sorts out what the read and the watch both tell.
 */
export class PrefixMirror {
  readonly table = new KeyTable();
  private watcher: Watcher | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  private synced = false;

  constructor(
    private readonly client: Etcd3,
    readonly prefix: string,
    private readonly listener: ChangeListener,
  ) {}

  /** Whether the prefix has been read once: before that the table is empty for want of knowing. */
  get ready(): boolean {
    return this.synced;
  }

  /** Reads and watches in the background, trying again while etcd cannot be read. */
  start(): void {
    void this.follow();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const watcher = this.watcher;
    this.watcher = undefined;
    if (watcher !== undefined) await atMost(watcher.cancel(), CANCEL_WAIT_MS);
  }

  private async follow(): Promise<void> {
    let revision: number;
    try {
      const read = await this.client.getAll().prefix(this.prefix).options(deadlineIn(READ_TIMEOUT_MS)).exec();
      revision = Number(read.header.revision);
      if (this.closed) return;
      this.tell(this.table.sync(read.kvs.map(entryOf), revision));
      this.synced = true;
    } catch {
      this.again();
      return;
    }
    const watcher = this.client.watch().prefix(this.prefix).startRevision(String(revision + 1)).watcher();
    this.watcher = watcher;
    watcher.on('put', (kv) => this.watcher === watcher && this.tell([this.table.put(entryOf(kv))]));
    watcher.on('delete', (kv) => this.watcher === watcher && this.tell([this.table.delete(kv.key.toString(), Number(kv.mod_revision))]));
    // A broken stream and a watch etcd cancelled (a compacted revision) alike: start over.
    for (const event of ['disconnected', 'error'] as const) watcher.on(event as 'error', () => this.restart(watcher));
  }

  private restart(watcher: Watcher): void {
    if (this.watcher !== watcher) return;
    this.watcher = undefined;
    void watcher.cancel().catch(() => undefined);
    this.again();
  }

  private again(): void {
    if (this.closed) return;
    this.retry = setTimeout(() => void this.follow(), RETRY_MS);
    this.retry.unref();
  }

  private tell(changes: readonly (KeyChange | undefined)[]): void {
    const real = changes.filter((change): change is KeyChange => change !== undefined);
    if (real.length > 0 && !this.closed) this.listener(real);
  }
}
