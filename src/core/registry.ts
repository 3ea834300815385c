import type { Health } from './types.js';

export interface ServerRecord {
  /** Dense index, also the first-heartbeat order. */
  readonly index: number;
  readonly id: string;
  alive: boolean;
  draining: boolean;
  lastHeartbeatAt: number;
  diskUsagePct: number | null;
  health: Health;
}

/** Every server ever registered, by id and by index. */
export class ServerRegistry {
  private readonly byId = new Map<string, ServerRecord>();
  private readonly byIndex: ServerRecord[] = [];
  private aliveCount = 0;

  get size(): number {
    return this.byIndex.length;
  }

  get alive(): number {
    return this.aliveCount;
  }

  get(id: string): ServerRecord | undefined {
    return this.byId.get(id);
  }

  at(index: number): ServerRecord {
    return this.byIndex[index] as ServerRecord;
  }

  all(): readonly ServerRecord[] {
    return this.byIndex;
  }

  register(id: string, now: number): ServerRecord {
    const record: ServerRecord = {
      index: this.byIndex.length,
      id,
      alive: false,
      draining: false,
      lastHeartbeatAt: now,
      diskUsagePct: null,
      health: 'healthy',
    };
    this.byId.set(id, record);
    this.byIndex.push(record);
    return record;
  }

  setAlive(record: ServerRecord, alive: boolean): void {
    if (record.alive === alive) return;
    record.alive = alive;
    this.aliveCount += alive ? 1 : -1;
  }
}
