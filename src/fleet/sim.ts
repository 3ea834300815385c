/** What a master answered to one heartbeat, transport aside. */
export interface HeartbeatAnswer {
  status: string;
  chunksToDelete: readonly string[];
  chunksToReplicate: readonly { chunk: string; target: string }[];
}

/** The fields a chunk server reports in a heartbeat. */
export interface HeartbeatReport {
  server: string;
  chunks: string[];
  disk_usage_pct: number;
  health: 'healthy';
}

export interface SimServer {
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

/**
 * Simulated chunk servers and their chunks. Chunks start with three replicas
 * each, spread over consecutive servers; copies and deletes the master asks
 * for happen at once, and show in the next full report.
 */
export class SimFleet {
  readonly servers: SimServer[] = [];
  private readonly byId = new Map<string, SimServer>();
  private readonly capacity: number;

  constructor(count: number, chunksPerServer: number, prefix = 'cs') {
    const width = String(count - 1).length;
    const distinct = Math.max(1, Math.ceil((count * chunksPerServer) / 3));
    for (let i = 0; i < count; i++) {
      const chunks = new Set<string>();
      for (let j = 0; j < chunksPerServer; j++) chunks.add(`ch_${(i * chunksPerServer + j) % distinct}`);
      const server: SimServer = { id: `${prefix}${String(i).padStart(width, '0')}`, chunks, silent: false, lastSentAt: undefined };
      this.servers.push(server);
      this.byId.set(server.id, server);
    }
    // Disks start half full: room for the copies re-replication brings.
    this.capacity = Math.max(1, 2 * chunksPerServer);
  }

  get(id: string): SimServer | undefined {
    return this.byId.get(id);
  }

  report(server: SimServer): HeartbeatReport {
    const pct = Math.min(100, Math.round((1000 * server.chunks.size) / this.capacity) / 10);
    return { server: server.id, chunks: [...server.chunks], disk_usage_pct: pct, health: 'healthy' };
  }

  /** Carries out a master's instructions to `server`. */
  apply(server: SimServer, answer: HeartbeatAnswer): Applied {
    const applied: Applied = { copies: 0, copiesFailed: 0, deletes: 0 };
    for (const chunk of answer.chunksToDelete) {
      if (server.chunks.delete(chunk)) applied.deletes++;
    }
    for (const { chunk, target } of answer.chunksToReplicate) {
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
  revive(servers: readonly SimServer[]): void {
    for (const server of servers) server.silent = false;
  }

  /** The first `count` servers still heartbeating go silent; returns them. */
  silence(count: number): SimServer[] {
    const chosen = this.servers.filter((s) => !s.silent).slice(0, count);
    for (const server of chosen) server.silent = true;
    return chosen;
  }
}
