import type { FleetConfig } from '../runtime/config.js';
import type { ChunkServer, ChunkServers } from './chunk-servers.js';
import { EpochGate } from './epochs.js';
import { Reporter } from './reports.js';
import type { FleetStats, MasterCounts } from './stats.js';
import { type HeartbeatTransport, HttpTransport, WsTransport } from './transport.js';

/**
 * One master the fleet heartbeats, with its own report state: each master
 * learns every change, and one that asks for a full report gets it alone.
 */
export interface MasterLink {
  readonly url: string;
  readonly transport: HeartbeatTransport;
  readonly reporter: Reporter;
  readonly counts: MasterCounts;
  /** Each server's heartbeat to this master still awaiting its answer: a slow master holds back only its own. */
  readonly inFlight: Map<ChunkServer, Promise<void>>;
}

/** A transport to each master of --url, in order; if one cannot connect, those that did are closed again. */
export async function openTransports(config: FleetConfig, token: string | undefined): Promise<HeartbeatTransport[]> {
  const opened = await Promise.allSettled(config.urls.map((url) => openTransport(url, config, token)));
  const transports = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const refused = opened.find((result) => result.status === 'rejected');
  if (refused === undefined) return transports;
  await Promise.all(transports.map((transport) => transport.close()));
  throw refused.reason;
}

async function openTransport(url: string, { ws, connections }: FleetConfig, token: string | undefined): Promise<HeartbeatTransport> {
  return ws ? WsTransport.connect(url, connections, token) : new HttpTransport(url, connections, token);
}

/** The links to `transports` (one per --url, in order); the i-th master's changes are the i-th set of each server's `changed`. */
export function linkMasters(transports: readonly HeartbeatTransport[], fleet: ChunkServers, config: FleetConfig, stats: FleetStats): MasterLink[] {
  return transports.map((transport, i) => {
    const url = config.urls[i] as string;
    return { url, transport, reporter: new Reporter(fleet, config, stats.reports, i), counts: stats.addMaster(url), inFlight: new Map() };
  });
}

/**
 * Each simulated server's EpochGate: a real chunk server keeps its own, as
 * replies reach it in its own order. Made at a server's first reply with an
 * epoch, so a fleet heartbeating one master without HA keeps none.
 */
export class ServerGates {
  private readonly gates = new Map<ChunkServer, EpochGate>();
  private highest: number | undefined;

  admits(server: ChunkServer, epoch: number | undefined): boolean {
    let gate = this.gates.get(server);
    if (gate === undefined) {
      if (epoch === undefined) return true;
      gate = new EpochGate();
      this.gates.set(server, gate);
    }
    if (epoch !== undefined && (this.highest === undefined || epoch > this.highest)) this.highest = epoch;
    return gate.admit(epoch);
  }

  /**
   * The highest epoch any server has heard, which no real chunk server
   * knows: only the simulator can check that no server obeys an epoch that
   * another has already seen superseded.
   */
  get newest(): number | undefined {
    return this.highest;
  }
}
