import type { Static } from '@sinclair/typebox';
import { defaultCoreConfig } from '../core/index.js';
import type { HeartbeatBody, HeartbeatResponse } from '../transport/http/schemas.js';

/** What a master answered to one heartbeat, every field present (as HTTP sends it). */
export type HeartbeatAnswer = Static<typeof HeartbeatResponse>;

/** One heartbeat as POST /heartbeat takes it; over WebSocket it gains type and msg_id. */
export type HeartbeatReport = Static<typeof HeartbeatBody>;

export interface ChunkServer {
  readonly id: string;
  readonly chunks: Set<string>;
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
}

/**
 * The load tool's simulated chunk servers and their chunks. Chunks start with
 * `replicationFactor` replicas each, spread over consecutive servers; copies
 * and deletes the master asks for happen at once, and show in the next full report.
 */
export class ChunkServers {
  readonly servers: ChunkServer[] = [];
  private readonly byId = new Map<string, ChunkServer>();
  private readonly capacity: number;

  constructor(count: number, chunksPerServer: number, { replicationFactor = defaultCoreConfig().replicationFactor, prefix = 'cs' }: ChunkServersOptions = {}) {
    const width = String(count - 1).length;
    const distinct = Math.max(1, Math.ceil((count * chunksPerServer) / replicationFactor));
    for (let i = 0; i < count; i++) {
      const chunks = new Set<string>();
      for (let j = 0; j < chunksPerServer; j++) chunks.add(`ch_${(i * chunksPerServer + j) % distinct}`);
      const server: ChunkServer = { id: `${prefix}${String(i).padStart(width, '0')}`, chunks, silent: false, lastSentAt: undefined };
      this.servers.push(server);
      this.byId.set(server.id, server);
    }
    // Disks start half full: room for the copies re-replication brings.
    this.capacity = Math.max(1, 2 * chunksPerServer);
  }

  get(id: string): ChunkServer | undefined {
    return this.byId.get(id);
  }

  report(server: ChunkServer): HeartbeatReport {
    const pct = Math.min(100, Math.round((1000 * server.chunks.size) / this.capacity) / 10);
    return { server: server.id, chunks: [...server.chunks], disk_usage_pct: pct, health: 'healthy' };
  }

  /** Carries out a master's instructions to `server`. */
  apply(server: ChunkServer, answer: HeartbeatAnswer): Applied {
    const applied: Applied = { copies: 0, copiesFailed: 0, deletes: 0 };
    for (const chunk of answer.chunks_to_delete) {
      if (server.chunks.delete(chunk)) applied.deletes++;
    }
    for (const { chunk, target } of answer.chunks_to_replicate) {
      const to = this.byId.get(target);
      if (to === undefined || to.silent || !server.chunks.has(chunk)) {
        applied.copiesFailed++;
      } else {
        to.chunks.add(chunk);
        applied.copies++;
      }
    }
    return applied;
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
