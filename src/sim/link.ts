import { answer } from '../protocol/dispatch.js';
import type { Clock } from '../runtime/clock.js';
import type { CoreDriver } from '../runtime/driver.js';
import type { Rng } from './prng.js';
import type { Delivery } from './reporting.js';
import type { Servers, SimServer } from './servers.js';
import type { ReportTally } from './summary.js';
import type { Trace } from './trace.js';
import { type ChunkReport, type HeartbeatBody, type HeartbeatOkBody, heartbeatBody, overTheWire } from './wire.js';

/** On a lossy link this share of heartbeats is lost (half on the way there, half on the way back); on a duplicating one, this share arrives twice. */
const LOSS_CHANCE = 0.3;
const DUPLICATE_CHANCE = 0.5;

type Fate = 'delivered' | 'request lost' | 'reply lost' | 'duplicated';

/**
 * Whether a heartbeat gets to the master process at all: it runs, it is
 * down (the connection is refused), cut off from the servers (a partition),
 * or stopped (the message waits, unread, until it runs again).
 */
export type Gate = 'open' | 'down' | 'cut' | 'queued';

/** What the link between the servers and the master works with. */
export interface LinkEnds {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly servers: Servers;
  readonly trace: Trace;
  readonly tally: ReportTally;
  /** The master process as it is now (a restart replaces it). */
  driver(): CoreDriver;
  note(violations: readonly string[]): void;
  /** Judges the master's ask for a full report. */
  asked(server: SimServer): readonly string[];
  /** With several masters: the master's name, which the trace shows on each line. */
  readonly name?: string;
  /** With several masters: whether the master takes the message in (undefined: always). */
  gate?(server: SimServer, body: HeartbeatBody): Gate;
}

/**
 * Heartbeats from the simulated servers to the master through the protocol
 * layer, as the wire carries them both ways, traced. A faulty link may lose
 * one (on the way there or back) or deliver it twice (a retry whose first
 * answer was lost: the server gets the second).
 */
export class MasterLink {
  /** What the trace shows after each arrow: nothing with one master, else its name. */
  private readonly to: string;

  constructor(private readonly ends: LinkEnds) {
    this.to = ends.name === undefined ? '' : ` ${ends.name}`;
  }

  send(server: SimServer, content: ChunkReport): Delivery {
    const { ends } = this;
    const now = ends.clock.now();
    const body = heartbeatBody(server, ends.servers.diskPct(server), content);
    ends.trace.add(`${now} ${server.id} >${this.to} ${JSON.stringify(body)}`);
    const gate = ends.gate?.(server, body) ?? 'open';
    if (gate !== 'open') {
      ends.trace.add(`${now} ${server.id} x${this.to} ${gate}`);
      return { received: false, reply: undefined };
    }
    const fate = this.fateOf(server);
    if (fate === 'request lost') return this.lost(server, fate);
    let reply = this.exchange(server, body);
    if (fate === 'duplicated') {
      ends.tally.duplicated++;
      ends.trace.add(`${now} ${server.id} >${this.to} again`);
      reply = this.exchange(server, body);
    }
    server.lastHeard = now;
    reportedChanges(server, content);
    return fate === 'reply lost' ? this.lost(server, fate) : { received: true, reply };
  }

  /** A message that waited while the master was stopped, taken in now; its reply, if the wire allows it. */
  late(server: SimServer, body: HeartbeatBody): HeartbeatOkBody | undefined {
    return this.exchange(server, body);
  }

  private fateOf(server: SimServer): Fate {
    const { rng } = this.ends;
    if (server.link === 'lossy' && rng.chance(LOSS_CHANCE)) return rng.chance(0.5) ? 'request lost' : 'reply lost';
    if (server.link === 'duplicating' && rng.chance(DUPLICATE_CHANCE)) return 'duplicated';
    return 'delivered';
  }

  private lost(server: SimServer, fate: 'request lost' | 'reply lost'): Delivery {
    this.ends.tally.lost++;
    this.ends.trace.add(`${this.ends.clock.now()} ${server.id} x${this.to} ${fate}`);
    return { received: fate === 'reply lost', reply: undefined };
  }

  /** One delivery and its answer, traced; an ask for a full report is judged even if the answer is then lost. */
  private exchange(server: SimServer, body: HeartbeatBody): HeartbeatOkBody | undefined {
    const { ends } = this;
    const driver = ends.driver();
    const replied = driver.run((now) => answer(driver.master, now, body, server.id));
    const { text, reply } = overTheWire(replied, body.msg_id);
    ends.trace.add(`${ends.clock.now()} ${server.id} <${this.to} ${text}`);
    if (reply === undefined) ends.note([`${server.id}'s heartbeat ${body.msg_id} was answered ${text}`]);
    else if (reply.full_report === true) ends.note(ends.asked(server));
    return reply;
  }
}

/** An incremental report the master took in carries every change the server owes: the deletes it told of are known. */
function reportedChanges(server: SimServer, content: ChunkReport): void {
  if (content.added === undefined && content.removed === undefined) return;
  for (const chunk of content.added ?? []) server.deletedUnreported.delete(chunk);
  for (const chunk of content.removed ?? []) server.deletedUnreported.delete(chunk);
  server.lostSinceReport = false;
}
