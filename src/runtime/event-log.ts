import type { CoreEvent } from '../core/index.js';
import type { CoreDriver } from './driver.js';
import type { Logger } from './logger.js';
import { LogThrottle } from './log-throttle.js';

/** How long a death's line waits for its server_reaped, so that one line carries the whole loss. */
export const DEATH_HOLD_MS = 5000;
/** The window in which repeats of one kind of line are folded into a summary. */
export const LOG_WINDOW_MS = 10_000;
/** Lines of one kind written as they come in each window before the rest are folded. */
export const LOG_BURST = 5;

export type EventLogger = Pick<Logger, 'info' | 'warn'>;
type Level = 'info' | 'warn';
type DeadEvent = Extract<CoreEvent, { type: 'server_dead' }>;
type ReapedEvent = Extract<CoreEvent, { type: 'server_reaped' }>;

/** Lines that repeat, each kind through a throttle of its own; a summary names its examples `servers` or `examples`. */
const REPEATING = {
  server_registered: { msg: 'server registered', level: 'info', examples: 'servers' },
  server_revived: { msg: 'server revived', level: 'info', examples: 'servers' },
  server_dead: { msg: 'server dead', level: 'warn', examples: 'servers' },
  server_reaped: { msg: 'server reaped', level: 'info', examples: 'servers' },
  chunks_missing: { msg: 'chunks missing', level: 'warn', examples: 'examples' },
  server_out: { msg: 'server out: dead past --dead-out-ms, no longer counted by the brake', level: 'warn', examples: 'servers' },
  server_forgotten: { msg: 'server forgotten', level: 'info', examples: 'servers' },
} as const satisfies Record<string, { msg: string; level: Level; examples: string }>;
type Repeating = keyof typeof REPEATING;

interface HeldDeath {
  event: DeadEvent;
  until: number;
}

/** What a death's line says beyond server_dead: its losses once reaped, or why they are not known yet. */
type Outcome = { replicasDropped: number; chunksMissing: number; examples: string[] } | { revived: true } | { reaping: true };

export interface EventLogOptions {
  holdMs?: number;
  windowMs?: number;
  burst?: number;
}

/**
 * Turns the core's events into operator log lines: one line per event an
 * operator acts on, never one per chunk. A death is held until its reap is
 * done (or the server is back, or `holdMs` passed) and then written as one
 * line with its losses; repeated kinds (registrations at start-up, flapping,
 * mass deaths) are summarised with counts and examples. Told the time.
 */
export class EventLog {
  private readonly held = new Map<string, HeldDeath>();
  private readonly throttles = new Map<Repeating, LogThrottle>();
  private readonly holdMs: number;

  constructor(
    private readonly log: EventLogger,
    options: EventLogOptions = {},
  ) {
    this.holdMs = options.holdMs ?? DEATH_HOLD_MS;
    for (const kind of Object.keys(REPEATING) as Repeating[]) {
      this.throttles.set(kind, new LogThrottle(options.windowMs ?? LOG_WINDOW_MS, options.burst ?? LOG_BURST));
    }
  }

  handle(event: CoreEvent, now: number): void {
    this.tick(now);
    switch (event.type) {
      case 'server_alive':
        this.writeHeld(event.server, { revived: true }, now);
        this.repeat(event.revived ? 'server_revived' : 'server_registered', now, event, [event.server]);
        return;
      case 'server_dead':
        // Re-inserted at the end: the map stays in order of `until`, earliest first.
        this.held.delete(event.server);
        this.held.set(event.server, { event, until: now + this.holdMs });
        return;
      case 'server_reaped':
        this.reaped(event, now);
        return;
      case 'chunks_missing':
        this.repeat('chunks_missing', now, event, event.examples, { chunks: event.count });
        return;
      case 'server_out':
        this.repeat('server_out', now, event, [event.server]);
        return;
      case 'server_forgotten':
        this.repeat('server_forgotten', now, event, [event.server], { chunksFreed: event.chunksFreed });
        return;
      case 'brake_engaged':
        this.log.warn(event, 'mass-failure brake engaged: no copy or delete is sent');
        return;
      case 'brake_released':
        this.log.info(event, 'mass-failure brake released');
        return;
      case 'safe_mode_exited':
        this.log.info(event, 'safe mode exited');
        return;
      case 'leader_elected':
        this.log.info(event, event.self ? 'elected leader: instructions go out from this master' : 'leader elected');
        return;
      case 'leadership_lost':
        this.log.warn(event, 'leadership lost: this master gives no instructions');
        return;
    }
  }

  /** Writes held deaths whose hold has passed and summaries of windows that ended. */
  tick(now: number): void {
    for (const [server, death] of this.held) {
      if (death.until > now) break;
      this.writeHeld(server, { reaping: true }, now);
    }
    this.summarise(now, false);
  }

  /** Writes everything held, whatever the time (on shutdown). */
  flush(now: number): void {
    for (const server of [...this.held.keys()]) this.writeHeld(server, { reaping: true }, now);
    this.summarise(now, true);
  }

  /** When tick() next has something to write. */
  nextDeadline(): number | undefined {
    let next = this.held.values().next().value?.until;
    for (const throttle of this.throttles.values()) {
      const at = throttle.nextDeadline();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  private reaped(event: ReapedEvent, now: number): void {
    const loss = { replicasDropped: event.replicas, chunksMissing: event.chunksMissing, examples: event.examples };
    if (this.held.has(event.server)) {
      this.writeHeld(event.server, loss, now);
      return;
    }
    // The death's line went out without its losses (held too long, or written on shutdown).
    this.repeat('server_reaped', now, event, [event.server], { replicas: event.replicas, chunksMissing: event.chunksMissing });
  }

  /** Writes a held death with what is known of it by now: its losses, or why they are not known. */
  private writeHeld(server: string, outcome: Outcome, now: number): void {
    const death = this.held.get(server);
    if (death === undefined) return;
    this.held.delete(server);
    const chunksMissing = 'chunksMissing' in outcome ? outcome.chunksMissing : 0;
    this.repeat('server_dead', now, { ...death.event, ...outcome }, [server], { lostReplicas: death.event.lostReplicas, chunksMissing });
  }

  private repeat(kind: Repeating, now: number, fields: object, examples: readonly string[], values?: Record<string, number>): void {
    const throttle = this.throttles.get(kind) as LogThrottle;
    if (!throttle.record(now, examples, values)) return;
    const { msg, level } = REPEATING[kind];
    this.log[level](fields, msg);
  }

  private summarise(now: number, force: boolean): void {
    for (const [kind, throttle] of this.throttles) {
      const folded = throttle.take(now, force);
      if (folded === undefined) continue;
      const { msg, level, examples } = REPEATING[kind];
      const seconds = throttle.windowMs / 1000;
      const fields = { type: kind, count: folded.count, ...folded.totals, [examples]: folded.examples };
      this.log[level](fields, `${msg}: ${folded.count} more in the last ${seconds} s`);
    }
  }
}

/**
 * Logs a driver's events through an EventLog, with the one timer that writes
 * held and summary lines on time. Returns a stop function that writes what is
 * still held.
 */
export function logEvents(driver: Pick<CoreDriver, 'onEvent' | 'now'>, log: EventLogger, options: EventLogOptions = {}): () => void {
  const events = new EventLog(log, options);
  let timer: NodeJS.Timeout | undefined;
  let armedFor: number | undefined;
  const arm = () => {
    const deadline = events.nextDeadline();
    // A later deadline keeps the armed timer: it fires, writes what is due and re-arms.
    if (deadline === undefined || (armedFor !== undefined && armedFor <= deadline)) return;
    clearTimeout(timer);
    armedFor = deadline;
    timer = setTimeout(() => {
      armedFor = undefined;
      events.tick(driver.now());
      arm();
    }, Math.max(0, Math.ceil(deadline - driver.now())));
    // Held lines alone must not keep a finished process alive.
    timer.unref();
  };
  const off = driver.onEvent((event) => {
    events.handle(event, driver.now());
    arm();
  });
  return () => {
    off();
    clearTimeout(timer);
    events.flush(driver.now());
  };
}
