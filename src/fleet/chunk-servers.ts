import type { Static } from '@sinclair/typebox';
import { defaultCoreConfig } from '../core/index.js';
import type { HeartbeatBody, HeartbeatResponse } from '../transport/http/schemas.js';

/** What a master in HA mode adds to every reply, after status (CONTRACT 10); a single master sends none of it. */
export interface LeadershipFields {
  role?: 'leader' | 'follower';
  /** The leader's term: only a reply of the highest epoch seen is obeyed. */
  epoch?: number;
  /** The leader's URL; null while there is none. */
  leader?: string | null;
}

/** What a master answered to one heartbeat, every field present (as HTTP sends it). */
export type HeartbeatAnswer = Static<typeof HeartbeatResponse> & LeadershipFields;

/** One heartbeat as POST /heartbeat takes it; over WebSocket it gains type and msg_id. */
export type HeartbeatReport = Static<typeof HeartbeatBody>;

export interface ChunkServer {
  readonly id: string;
  /** Its place in the fleet: writes land on it and the servers after it. */
  readonly index: number;
  readonly chunks: Set<string>;
  /**
   * For each master (in --url order), the handles added or removed since it
   * last accepted a report of them (the disk says which): a change leaves a
   * master's set only once that master sent a 200 for it. A full report
   * under way swaps its master's set for a fresh one.
   */
  changed: Set<string>[];
  /** Gone silent: sends no more heartbeats. */
  silent: boolean;
  /** When its last heartbeat was sent (ms on the fleet's clock), if any. */
  lastSentAt: number | undefined;
}

export interface Applied {
  copies: number;
  copiesFailed: number;
  deletes: number;
}

export interface ChunkServersOptions {
  /** Replicas each chunk starts with; the master's default unless told. */
  replicationFactor?: number;
  /** Server ids are this and a zero-padded number. */
  prefix?: string;
  /** Masters heartbeated, each owed every change (1). */
  masters?: number;
}

/** What a heartbeat says besides chunks: who is sending, its disk and health. */
export type ServerState = Pick<HeartbeatReport, 'server' | 'disk_usage_pct' | 'health'>;

/**
 * The load tool's simulated chunk servers and their chunks. Chunks start with
 * `replicationFactor` replicas each, spread over the fleet; copies and deletes
 * the master asks for happen at once, and so does churn: each change shows in
 * the server's next report.
 */
export class ChunkServers {
  readonly servers: ChunkServer[] = [];
  private readonly byId = new Map<string, ChunkServer>();
  private readonly capacity: number;
  private readonly replicationFactor: number;
  /** Who holds each chunk, oldest chunk first; built at the first churn, which deletes by it. */
  private holders: Map<string, ChunkServer[]> | undefined;
  /** The next new chunk's number: handles are never reused. */
  private nextHandle: number;
  /** Chunk writes each server owes: churn comes in fractions of a write per heartbeat. */
  private readonly owed = new Map<ChunkServer, number>();

  constructor(count: number, chunksPerServer: number, options: ChunkServersOptions = {}) {
    const { replicationFactor = defaultCoreConfig().replicationFactor, prefix = 'cs', masters = 1 } = options;
    const width = String(count - 1).length;
    const distinct = Math.max(1, Math.ceil((count * chunksPerServer) / replicationFactor));
    for (let i = 0; i < count; i++) {
      const chunks = new Set<string>();
      for (let j = 0; j < chunksPerServer; j++) chunks.add(`ch_${(i * chunksPerServer + j) % distinct}`);
      const id = `${prefix}${String(i).padStart(width, '0')}`;
      const changed = Array.from({ length: masters }, () => new Set<string>());
      const server: ChunkServer = { id, index: i, chunks, changed, silent: false, lastSentAt: undefined };
      this.servers.push(server);
      this.byId.set(server.id, server);
    }
    // Disks start half full: room for the copies re-replication brings.
    this.capacity = Math.max(1, 2 * chunksPerServer);
    this.replicationFactor = replicationFactor;
    this.nextHandle = distinct;
  }

  get(id: string): ChunkServer | undefined {
    return this.byId.get(id);
  }

  state(server: ChunkServer): ServerState {
    const pct = Math.min(100, Math.round((1000 * server.chunks.size) / this.capacity) / 10);
    return { server: server.id, disk_usage_pct: pct, health: 'healthy' };
  }

  /** A heartbeat with the server's full chunk list, in one piece. */
  report(server: ChunkServer): HeartbeatReport {
    const { server: id, ...rest } = this.state(server);
    return { server: id, chunks: [...server.chunks], ...rest };
  }

  /** Carries out a master's instructions to `server`. */
  apply(server: ChunkServer, answer: HeartbeatAnswer): Applied {
    const applied: Applied = { copies: 0, copiesFailed: 0, deletes: 0 };
    for (const chunk of answer.chunks_to_delete) {
      if (this.remove(server, chunk)) applied.deletes++;
    }
    for (const { chunk, target } of answer.chunks_to_replicate) {
      const to = this.byId.get(target);
      if (to === undefined || to.silent || !server.chunks.has(chunk)) {
        applied.copiesFailed++;
      } else {
        this.add(to, chunk);
        applied.copies++;
      }
    }
    return applied;
  }

  /**
   * Churn owed by `writer` for one heartbeat: `replicas` is what each server
   * gains and loses in that time. A write puts a new chunk on the writer and
   * the next live servers, `replicationFactor` in all; a delete takes the
   * fleet's oldest chunk off every server holding it. Returns the writes done.
   */
  churn(writer: ChunkServer, replicas: number): number {
    const owed = (this.owed.get(writer) ?? 0) + replicas / this.replicationFactor;
    const writes = Math.floor(owed);
    this.owed.set(writer, owed - writes);
    for (let i = 0; i < writes; i++) {
      this.deleteOldest();
      this.write(writer);
    }
    return writes;
  }

  private write(writer: ChunkServer): void {
    const chunk = `ch_${this.nextHandle++}`;
    this.holdersMap().set(chunk, []);
    let placed = 0;
    for (let i = 0; i < this.servers.length && placed < this.replicationFactor; i++) {
      const server = this.servers[(writer.index + i) % this.servers.length] as ChunkServer;
      if (server.silent) continue;
      this.add(server, chunk);
      placed++;
    }
  }

  private deleteOldest(): void {
    const holders = this.holdersMap();
    const oldest = holders.entries().next();
    if (oldest.done === true) return;
    const [chunk, servers] = oldest.value;
    for (const server of [...servers]) this.remove(server, chunk);
    holders.delete(chunk);
  }

  private add(server: ChunkServer, chunk: string): void {
    if (server.chunks.has(chunk)) return;
    server.chunks.add(chunk);
    for (const owed of server.changed) owed.add(chunk);
    this.holders?.get(chunk)?.push(server);
  }

  private remove(server: ChunkServer, chunk: string): boolean {
    if (!server.chunks.delete(chunk)) return false;
    for (const owed of server.changed) owed.add(chunk);
    const holders = this.holders?.get(chunk);
    holders?.splice(holders.indexOf(server), 1);
    return true;
  }

  private holdersMap(): Map<string, ChunkServer[]> {
    if (this.holders !== undefined) return this.holders;
    this.holders = new Map();
    for (const server of this.servers) {
      for (const chunk of server.chunks) {
        const held = this.holders.get(chunk);
        if (held === undefined) this.holders.set(chunk, [server]);
        else held.push(server);
      }
    }
    return this.holders;
  }

  /** Silenced servers come back with the chunks they held. */
  revive(servers: readonly ChunkServer[]): void {
    for (const server of servers) server.silent = false;
  }

  /** The first `count` servers still heartbeating go silent; returns them. */
  silence(count: number): ChunkServer[] {
    const chosen = this.servers.filter((s) => !s.silent).slice(0, count);
    for (const server of chosen) server.silent = true;
    return chosen;
  }
}
