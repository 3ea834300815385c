import type { Health, ServerStatus } from './types.js';

export interface ServerRecord {
  /** Dense index into the master's per-server arrays; reused after a forgotten server's is released. */
  readonly index: number;
  readonly id: string;
  /** Registration order: first-heartbeat order, unlike `index` once indices are reused. */
  readonly seq: number;
  alive: boolean;
  draining: boolean;
  /** Dead longer than dead_out: no longer counted by the mass-failure brake. */
  out: boolean;
  lastHeartbeatAt: number;
  diskUsagePct: number | null;
  health: Health;
}

export function statusOf(record: ServerRecord): ServerStatus {
  if (!record.alive) return 'dead';
  return record.draining ? 'draining' : 'alive';
}

/**
 * The servers the master knows, by id and by index, in first-heartbeat order.
 * Forgetting a server removes its id at once; its index is released later,
 * once nothing refers to it any more (its replicas may still be being reaped).
 */
export class ServerRegistry {
  private readonly byId = new Map<string, ServerRecord>();
  private readonly byIndex: (ServerRecord | undefined)[] = [];
  private ordered: ServerRecord[] = [];
  private readonly freeIndices: number[] = [];
  private nextSeq = 0;
  private aliveCount = 0;
  private outCount = 0;

  /** Servers known (registered and not forgotten). */
  get size(): number {
    return this.ordered.length;
  }

  get alive(): number {
    return this.aliveCount;
  }

  /** Known servers that still count for the brake: all but those dead longer than dead_out. */
  get counted(): number {
    return this.ordered.length - this.outCount;
  }

  /** Per-server slots allocated: a forgotten server's is reused once released. */
  get slots(): number {
    return this.byIndex.length;
  }

  get(id: string): ServerRecord | undefined {
    return this.byId.get(id);
  }

  /** The record at an index; a forgotten server's record stays reachable here until its index is released. */
  at(index: number): ServerRecord {
    return this.byIndex[index] as ServerRecord;
  }

  /** Known servers in first-heartbeat order. */
  all(): readonly ServerRecord[] {
    return this.ordered;
  }

  register(id: string, now: number): ServerRecord {
    const record: ServerRecord = {
      index: this.freeIndices.pop() ?? this.byIndex.length,
      id,
      seq: this.nextSeq++,
      alive: false,
      draining: false,
      out: false,
      lastHeartbeatAt: now,
      diskUsagePct: null,
      health: 'healthy',
    };
    this.byId.set(id, record);
    this.byIndex[record.index] = record;
    this.ordered.push(record);
    return record;
  }

  setAlive(record: ServerRecord, alive: boolean): void {
    if (record.alive === alive) return;
    record.alive = alive;
    this.aliveCount += alive ? 1 : -1;
    if (alive) this.setOut(record, false);
  }

  setOut(record: ServerRecord, out: boolean): void {
    if (record.out === out) return;
    record.out = out;
    this.outCount += out ? 1 : -1;
  }

  /** Drops a dead server's id: it leaves every listing; a later heartbeat registers it anew. */
  forget(record: ServerRecord): void {
    this.setOut(record, false);
    this.byId.delete(record.id);
    // Operators forget servers one at a time; a linear splice keeps listings cheap and ordered.
    const at = this.ordered.indexOf(record);
    if (at >= 0) this.ordered.splice(at, 1);
  }

  /** Makes a forgotten server's index available to the next registration. */
  release(index: number): void {
    this.byIndex[index] = undefined;
    this.freeIndices.push(index);
  }
}
