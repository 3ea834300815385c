import type { Health } from '../core/index.js';
import { EpochGate } from '../fleet/epochs.js';

/** How a server reports its chunks: the seed's full lists, or changes with full lists on request (CONTRACT 9). */
export type ServerMode = 'full' | 'incremental';

/** Its link to the master, as a fault leaves it: messages lost, delivered twice, or report parts reordered. */
export type Link = 'ok' | 'lossy' | 'duplicating' | 'reordering';

/** A split full report on its way: the disk as it was when it began, in parts. */
export interface Outgoing {
  readonly id: string;
  readonly parts: readonly string[][];
  /** Part numbers not answered yet, in sending order. */
  readonly unanswered: number[];
  firstSentAt: number | undefined;
  /** Part numbers the master took in (answered or not). */
  readonly received: Set<number>;
  /** Sent out of order: shuffled, or a part sent again after later ones. */
  reordered: boolean;
  /** A part was answered: the master has the report under way and keeps the changes heard meanwhile. */
  started: boolean;
  /** The master's incarnation and the server's deaths when it began: either changing drops it at the master. */
  readonly masterEpoch: number;
  readonly deaths: number;
}

/**
 * The master's ask for a full report, as the lease check sees it: from the
 * first ask of a lease until the master has the whole report, the lease
 * runs out (pending_timeout after that ask), the server dies or the master
 * restarts.
 */
export interface Ask {
  readonly at: number;
  readonly masterEpoch: number;
  readonly deaths: number;
  /** The master has taken in a whole full report since: the lease no longer counts. */
  done: boolean;
}

/**
 * One simulated chunk server: its process, its disk and its link to the
 * master. With several masters each has its own (portOf): the process and
 * disk fields are the server's, the report and liveness fields its own.
 */
export interface SimServer {
  readonly id: string;
  readonly mode: ServerMode;
  /** The process is running. */
  up: boolean;
  /** Gone for good, disk included. */
  gone: boolean;
  /** Its chunks; changed only through Servers, which notes what changed. */
  readonly disk: Set<string>;
  /** Disk use apart from chunks, in percent. */
  readonly baseDiskPct: number;
  /** A fill-up fault: disk reported at 95 % while set. */
  full: boolean;
  health: Health;
  /** The master cannot hear this server (its copies to peers still work). */
  partitioned: boolean;
  link: Link;
  /** Last time the master processed a heartbeat from it. */
  lastHeard: number;
  /** Its disk was wiped and the master has not had a report since. */
  lostSinceReport: boolean;
  /** Chunks deleted on the master's word since its last report. */
  readonly deletedUnreported: Set<string>;
  /** Handles whose presence changed since its last answered heartbeat: its next incremental report. */
  readonly touched: Set<string>;
  /** Changes to its disk so far: tells whether the disk changed since a full report was last checked. */
  diskChanges: number;
  /** What its last full report was checked against (master, deaths, disk changes). */
  checked: string | undefined;
  /** The master, deaths and incarnation as of its last completed full report: while all hold, the master has its list. */
  listed: string | undefined;
  /** Its next reply-driven step is a full report: asked for one, or freshly restarted. */
  wantsReport: boolean;
  /** The split full report it is sending, if any. */
  outgoing: Outgoing | undefined;
  /** Full reports begun so far: names the next one. */
  reportsBegun: number;
  asked: Ask | undefined;
  /** Times the master marked it dead: a death drops its report under way. */
  deaths: number;
  /** Faults do not overlap on one server: the next may start after this. */
  busyUntil: number;
  /** Bumped on every crash, so heartbeat loops of an old incarnation stop. */
  incarnation: number;
  /** Messages sent so far: the next one's msg_id. */
  sent: number;
  /** The chunk server's epoch rule (CONTRACT 10), the fleet's own: the highest epoch seen since the process started. */
  epochs: EpochGate;
  /** The server as every master sees it, itself first: one port each, all sharing this process and disk. */
  readonly ports: SimServer[];
}

/** What the ports of one server share: its process, disk and network. The rest is kept per master, as a real server would. */
const SHARED = ['up', 'gone', 'full', 'health', 'partitioned', 'link', 'busyUntil', 'incarnation', 'diskChanges', 'epochs'] as const;

export function newServer(id: string, baseDiskPct: number, mode: ServerMode = 'full'): SimServer {
  const server: SimServer = {
    id,
    mode,
    up: true,
    gone: false,
    disk: new Set(),
    baseDiskPct,
    full: false,
    health: 'healthy',
    partitioned: false,
    link: 'ok',
    lastHeard: Number.NEGATIVE_INFINITY,
    lostSinceReport: false,
    deletedUnreported: new Set(),
    touched: new Set(),
    diskChanges: 0,
    checked: undefined,
    listed: undefined,
    wantsReport: false,
    outgoing: undefined,
    reportsBegun: 0,
    asked: undefined,
    deaths: 0,
    busyUntil: 0,
    incarnation: 0,
    sent: 0,
    epochs: new EpochGate(),
    ports: [],
  };
  server.ports.push(server);
  return server;
}

/**
 * The server as another master sees it: the same process, disk and network
 * (those fields read and write the server's own), its own link state: what
 * it reported to that master, when that master last heard it, what that
 * master asked of it.
 */
export function portOf(server: SimServer): SimServer {
  const port: SimServer = { ...newServer(server.id, server.baseDiskPct, server.mode), disk: server.disk, ports: server.ports };
  for (const key of SHARED) {
    Object.defineProperty(port, key, {
      get: () => server[key],
      set: (value: SimServer[typeof key]) => Object.assign(server, { [key]: value }),
      enumerable: true,
    });
  }
  server.ports.push(port);
  return port;
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
    modeOf: (index: number) => ServerMode = () => 'full',
  ) {
    for (let i = 0; i < count; i++) this.add(newServer(`cs${i + 1}`, baseDisk(i), modeOf(i)));
  }

  /** The same servers as another master sees them: a port of each. */
  static portsOf(servers: Servers): Servers {
    const ports = new Servers(0, () => 0, servers.chunkPct);
    for (const server of servers.all) ports.add(portOf(server));
    return ports;
  }

  private add(server: SimServer): void {
    this.all.push(server);
    this.byId.set(server.id, server);
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

  store(server: SimServer, chunk: string): void {
    if (server.disk.has(chunk)) return;
    server.disk.add(chunk);
    changed(server, chunk);
  }

  drop(server: SimServer, chunk: string): void {
    if (server.disk.delete(chunk)) changed(server, chunk);
  }

  wipe(server: SimServer): void {
    for (const chunk of server.disk) changed(server, chunk);
    server.disk.clear();
    for (const port of server.ports) port.lostSinceReport = true;
  }
}

/** Every master's port owes the change in its next incremental report. */
function changed(server: SimServer, chunk: string): void {
  for (const port of server.ports) port.touched.add(chunk);
  server.diskChanges++;
}
