import type { Health } from '../core/index.js';

/** One simulated chunk server: its process, its disk and its link to the master. */
export interface SimServer {
  readonly id: string;
  /** The process is running. */
  up: boolean;
  /** Gone for good, disk included. */
  gone: boolean;
  readonly disk: Set<string>;
  /** Disk use apart from chunks, in percent. */
  readonly baseDiskPct: number;
  /** A fill-up fault: disk reported at 95 % while set. */
  full: boolean;
  health: Health;
  /** The master cannot hear this server (its copies to peers still work). */
  partitioned: boolean;
  /** Last time the master processed a heartbeat from it. */
  lastHeard: number;
  /** Its disk was wiped and the master has not had a report since. */
  lostSinceReport: boolean;
  /** Chunks deleted on the master's word since its last report. */
  readonly deletedUnreported: Set<string>;
  /** Faults do not overlap on one server: the next may start after this. */
  busyUntil: number;
  /** Bumped on every crash, so heartbeat loops of an old incarnation stop. */
  incarnation: number;
  /** Messages sent so far: the next one's msg_id. */
  sent: number;
}

export function newServer(id: string, baseDiskPct: number): SimServer {
  return {
    id,
    up: true,
    gone: false,
    disk: new Set(),
    baseDiskPct,
    full: false,
    health: 'healthy',
    partitioned: false,
    lastHeard: Number.NEGATIVE_INFINITY,
    lostSinceReport: false,
    deletedUnreported: new Set(),
    busyUntil: 0,
    incarnation: 0,
    sent: 0,
  };
}

/** Every simulated chunk server, by id and in order. */
export class Servers {
  readonly all: SimServer[] = [];
  private readonly byId = new Map<string, SimServer>();

  constructor(
    count: number,
    baseDisk: (index: number) => number,
    /** Disk percent one chunk takes. */
    readonly chunkPct: number,
  ) {
    for (let i = 0; i < count; i++) {
      const server = newServer(`cs${i + 1}`, baseDisk(i));
      this.all.push(server);
      this.byId.set(server.id, server);
    }
  }

  get(id: string): SimServer {
    const server = this.byId.get(id);
    if (server === undefined) throw new Error(`no simulated server ${id}`);
    return server;
  }

  diskPct(server: SimServer): number {
    if (server.full) return 95;
    return Math.min(100, Math.round((server.baseDiskPct + server.disk.size * this.chunkPct) * 10) / 10);
  }

  /** Servers whose disk holds the chunk, up or not (a crashed server keeps its disk). */
  copiesOf(chunk: string): SimServer[] {
    return this.all.filter((server) => !server.gone && server.disk.has(chunk));
  }

  wipe(server: SimServer): void {
    server.disk.clear();
    server.lostSinceReport = true;
  }
}
