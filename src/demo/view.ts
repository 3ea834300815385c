import type { Static } from '@sinclair/typebox';
import type { CoreConfig } from '../core/index.js';
import type { FleetStats } from '../fleet/stats.js';
import type { EVENTS } from '../protocol/schemas.js';
import type { FleetConfig } from '../runtime/config.js';
import type { ReplicationResponse } from '../transport/http/schemas.js';

/** GET /replication's answer, as far as the demo reads it. */
export type ReplicationView = Pick<Static<typeof ReplicationResponse>, 'safe_mode' | 'brake_engaged' | 'pending_copies' | 'totals'>;

/** One event of the master's WebSocket stream. */
export type MasterEvent = Static<(typeof EVENTS)[number]>;

export interface DemoPlan {
  /** The fleet as it runs, its replication factor the daemon's. */
  fleet: FleetConfig;
  deadAfterMs: number;
  safeModeMs: number;
}

const NAMES_SHOWN = 6;

/**
 * What the demo has seen so far, and how it says so: one timestamped line
 * per thing that happened, and the summary at the end. Pure: told the time.
 */
export class DemoView {
  /** Every server the master ever called dead. */
  readonly deadEver = new Set<string>();
  private readonly dead = new Set<string>();
  private readonly alive = new Set<string>();
  private newlyAlive: string[] = [];
  private lastReplication = '';
  private maxUnderReplicated = 0;
  private lastUnder: number | undefined;
  private lastCopies = 0;
  private lastDeletes = 0;
  private lastKilled = 0;
  private lastRevived = 0;
  private killedAtMs: number | undefined;
  private revivedAtMs: number | undefined;

  constructor(
    private readonly plan: DemoPlan,
    private readonly print: (line: string) => void,
  ) {}

  /** `told`: the master's settings as the daemon logged them. */
  intro(url: string, told?: CoreConfig): void {
    const { fleet, deadAfterMs, safeModeMs } = this.plan;
    const chunks = Math.ceil((fleet.servers * fleet.chunksPerServer) / fleet.replicationFactor);
    this.print(`chunkmaster demo: a daemon at ${url} and ${fleet.servers} simulated chunk servers`);
    if (told !== undefined) this.print(`  the daemon logged its settings: ${Object.entries(told).map(([key, value]) => `${key} ${String(value)}`).join(', ')}`);
    this.print(
      `  ${chunks} chunks x ${fleet.replicationFactor} replicas, heartbeats every ${fleet.intervalMs} ms, ` +
        `dead after ${deadAfterMs} ms of silence, safe mode ${safeModeMs} ms`,
    );
    if (fleet.kill !== undefined && fleet.kill.count > 0) {
      const back = fleet.reviveAfterMs > 0 ? ` and come back ${seconds(fleet.reviveAfterMs)} later` : '';
      this.print(`  ${fleet.kill.count} servers go silent at ${seconds(fleet.kill.atMs)}${back}; the run ends at ${seconds(fleet.durationMs)}`);
    }
    this.print('');
  }

  /** One event from the master's WebSocket stream, received `elapsedMs` into the run. */
  event(event: MasterEvent, elapsedMs: number): void {
    switch (event.type) {
      case 'server_alive': {
        const { server } = event;
        if (event.revived || this.dead.has(server)) {
          this.dead.delete(server);
          this.line(elapsedMs, `ALIVE again  ${server}: its chunks count again; any surplus replicas get deleted`);
        } else if (!this.alive.has(server)) {
          this.newlyAlive.push(server);
        }
        this.alive.add(server);
        break;
      }
      case 'server_dead':
        this.dead.add(event.server);
        this.deadEver.add(event.server);
        this.line(elapsedMs, `DEAD  ${event.server}: ${event.lost_replicas} replicas no longer count`);
        break;
      case 'safe_mode_exited':
        this.line(elapsedMs, 'safe mode over: the master may now ask for copies and deletes');
        break;
      case 'brake_engaged':
      case 'brake_released': {
        const what = event.type === 'brake_engaged' ? 'BRAKE on: too many dead, re-replication paused' : 'brake off: re-replication resumes';
        this.line(elapsedMs, `${what} (${event.dead}/${event.known} dead)`);
        break;
      }
      case 'chunks_missing':
      case 'server_reaped': {
        const count = event.type === 'chunks_missing' ? event.count : event.chunks_missing;
        if (count > 0) this.line(elapsedMs, `MISSING  ${count} chunks have no live replica (${names(event.examples)})`);
        break;
      }
    }
  }

  /** Prints first registrations in one line rather than one per server. */
  flushAlive(elapsedMs: number): void {
    if (this.newlyAlive.length === 0) return;
    this.line(elapsedMs, `${this.newlyAlive.length} servers alive (${names(this.newlyAlive)}); ${this.alive.size} known`);
    this.newlyAlive = [];
  }

  replication(state: ReplicationView, elapsedMs: number): void {
    const { missing, critical, normal } = state.totals;
    const under = missing + critical + normal;
    this.maxUnderReplicated = Math.max(this.maxUnderReplicated, under);
    this.lastUnder = under;
    const text =
      `replication: ${under} chunks under-replicated (${missing} missing, ${critical} critical, ${normal} normal), ` +
      `${state.pending_copies} copies pending${state.safe_mode ? ', safe mode' : ''}${state.brake_engaged ? ', BRAKE' : ''}`;
    if (text === this.lastReplication) return;
    this.lastReplication = text;
    this.line(elapsedMs, text);
  }

  fleet(stats: FleetStats, elapsedMs: number): void {
    if (stats.killed > this.lastKilled) {
      this.killedAtMs ??= elapsedMs;
      this.line(elapsedMs, `fleet: ${stats.killed - this.lastKilled} servers went silent (${names(stats.killedServers.slice(this.lastKilled))})`);
    }
    if (stats.revived > this.lastRevived) {
      this.revivedAtMs ??= elapsedMs;
      this.line(elapsedMs, `fleet: ${stats.revived - this.lastRevived} servers came back with their old chunks`);
    }
    if (stats.copies > this.lastCopies) this.line(elapsedMs, `fleet: ${stats.copies - this.lastCopies} copies made (${stats.copies} in all)`);
    if (stats.deletes > this.lastDeletes) this.line(elapsedMs, `fleet: ${stats.deletes - this.lastDeletes} replicas deleted (${stats.deletes} in all)`);
    this.lastKilled = stats.killed;
    this.lastRevived = stats.revived;
    this.lastCopies = stats.copies;
    this.lastDeletes = stats.deletes;
  }

  /** Servers the master called dead that the fleet never silenced. */
  falseDeaths(stats: FleetStats): string[] {
    const killed = new Set(stats.killedServers);
    return [...this.deadEver].filter((id) => !killed.has(id));
  }

  /** True when every heartbeat got through, every silenced server was called dead, and no other was. */
  passed(stats: FleetStats): boolean {
    const allSeen = stats.killedServers.every((id) => this.deadEver.has(id));
    return stats.failed === 0 && stats.ok > 0 && allSeen && this.falseDeaths(stats).length === 0;
  }

  summary(stats: FleetStats, elapsedMs: number): string {
    const { fleet, deadAfterMs } = this.plan;
    const falseDeaths = this.falseDeaths(stats);
    const seenDead = stats.killedServers.filter((id) => this.deadEver.has(id)).length;
    const detected = stats.detectionMs.length > 0 ? `, ${range(stats.detectionMs)} after their last heartbeat (timeout ${deadAfterMs} ms)` : '';
    const rows = [
      ['ran', `${seconds(elapsedMs)}: ${fleet.servers} servers x ${fleet.chunksPerServer} chunks, a heartbeat every ${fleet.intervalMs} ms each`],
      ['heartbeats', `${stats.ok} ok, ${stats.failed} failed; latency p50 ${ms(stats.percentile(50))}, p99 ${ms(stats.percentile(99))}`],
      ['deaths', `${stats.killed} silenced${at(this.killedAtMs)}; ${seenDead} called dead on the event stream${detected}`],
      ['false deaths', `${falseDeaths.length}${falseDeaths.length > 0 ? ` (${names(falseDeaths)})` : ''}`],
      ['replication', `at most ${this.maxUnderReplicated} chunks under-replicated; ${this.lastUnder ?? '?'} at the end`],
      ['copies', stats.copies + stats.copiesFailed > 0 ? `${stats.copies} made by the fleet as asked, ${stats.copiesFailed} failed` : 'none asked for'],
      ['revived', `${stats.revived}${at(this.revivedAtMs)}; ${stats.deletes > 0 ? `${stats.deletes} surplus replicas deleted as asked` : 'no deletes asked for'}`],
      ['result', this.passed(stats) ? 'OK' : 'FAILED: see above'],
    ];
    const width = Math.max(...rows.map(([label]) => (label as string).length));
    return ['', 'summary', ...rows.map(([label, text]) => `  ${(label as string).padEnd(width)}  ${text as string}`), ''].join('\n');
  }

  private line(elapsedMs: number, text: string): void {
    this.print(`[${(elapsedMs / 1000).toFixed(1).padStart(5)} s] ${text}`);
  }
}

function names(ids: readonly string[]): string {
  return ids.length <= NAMES_SHOWN ? ids.join(', ') : `${ids.slice(0, NAMES_SHOWN).join(', ')}, ...`;
}

function seconds(msValue: number): string {
  return `${(msValue / 1000).toFixed(1)} s`;
}

function ms(value: number): string {
  return Number.isNaN(value) ? '-' : `${value.toFixed(1)} ms`;
}

function range(values: readonly number[]): string {
  return `${Math.round(Math.min(...values))}..${Math.round(Math.max(...values))} ms`;
}

function at(elapsedMs: number | undefined): string {
  return elapsedMs === undefined ? '' : ` at ${seconds(elapsedMs)}`;
}
