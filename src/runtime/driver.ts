import type { CoreEvent, Master } from '../core/index.js';
import { type Clock, type TimerHandle, type Timers, monotonicClock, realTimers } from './clock.js';
import { STALL_PROBE_MS, StallWatch, stallSlackMs } from './stalls.js';

/** A tick's batch goes in this many slices, as long as the clock allows (see tick()). */
const TICK_SLICES = 4;
const TICK_MS = 10;

export type EventListener = (event: CoreEvent) => void;

export interface DriverOptions {
  /**
   * Credit the master's own stalls to every server's deadline (see
   * StallWatch). On by default with the real clock; a fake clock's jumps
   * would look like stalls.
   */
  watchStalls?: boolean;
  /** Where the timers go: the real ones by default, a simulator's agenda on virtual time. */
  timers?: Timers;
}

/**
 * Feeds the core the time and keeps exactly one timer armed for its next
 * deadline, so servers die on time with no input arriving. Every transport
 * calls the core through run(), which re-arms the timer afterwards.
 */
export class CoreDriver {
  private timer: TimerHandle | undefined;
  private armedFor: number | undefined;
  private readonly listeners = new Set<EventListener>();
  private closed = false;
  private readonly timers: Timers;
  private readonly stalls: StallWatch | undefined;
  private probe: TimerHandle | undefined;
  private stalledMs = 0;
  /** Work has run in this turn of the event loop; cleared by a setImmediate once the turn's I/O is read. */
  private inTurn = false;
  private readonly turnEnded = () => {
    this.inTurn = false;
  };

  constructor(
    readonly master: Master,
    private readonly clock: Clock = monotonicClock,
    options: DriverOptions = {},
  ) {
    this.timers = options.timers ?? realTimers;
    if (!(options.watchStalls ?? clock === monotonicClock)) return;
    this.stalls = new StallWatch(clock.now(), STALL_PROBE_MS, stallSlackMs(master.config));
    this.armProbe(this.stalls);
  }

  /** Total time the master was found stalled and credited to the servers, in ms. */
  get stallMs(): number {
    return this.stalledMs;
  }

  now(): number {
    return this.clock.now();
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  run<T>(work: (now: number) => T): T {
    if (!this.inTurn && this.timers.setImmediate) this.beginTurn(this.timers.setImmediate);
    const started = this.clock.now();
    // A stall that ended just now is credited before any deadline is looked at.
    if (this.stalls) this.credit(this.stalls.beforeWork(started));
    try {
      return work(started);
    } finally {
      if (this.stalls) this.credit(this.stalls.afterWork(started, this.clock.now()));
      this.settle();
    }
  }

  /**
   * Requests read in one turn of the loop (several servers' reports arriving
   * together) run back to back with no timer between: the core is told where
   * a turn begins so that what it applies at once is bounded per turn.
   */
  private beginTurn(setImmediate: (run: () => void) => void): void {
    this.inTurn = true;
    this.master.newTurn();
    setImmediate(this.turnEnded);
  }

  close(): void {
    this.closed = true;
    this.disarm();
    if (this.probe !== undefined) this.timers.clearTimeout(this.probe);
    this.probe = undefined;
  }

  /** Each probe arms the next, one period after it ran, as setInterval would; close() clears the one armed. */
  private armProbe(stalls: StallWatch): void {
    this.probe = this.timers.setTimeout(() => {
      this.credit(stalls.probe(this.clock.now()));
      this.armProbe(stalls);
    }, STALL_PROBE_MS);
  }

  private credit(ms: number): void {
    if (ms <= 0) return;
    this.stalledMs += ms;
    this.master.creditStall(ms);
  }

  private settle(): void {
    for (const event of this.master.takeEvents()) {
      for (const listener of this.listeners) listener(event);
    }
    this.arm();
  }

  private arm(): void {
    if (this.closed) return;
    const deadline = this.master.nextDeadline();
    // A later deadline keeps the armed timer: it fires early, finds nothing
    // due and re-arms. Re-arming on every heartbeat would cost a timer
    // reschedule per message, since the earliest deadline usually belongs to
    // the server that reports next.
    if (this.armedFor !== undefined && (deadline === undefined || deadline >= this.armedFor)) return;
    this.disarm();
    if (deadline === undefined) return;
    // Timers may fire a little early; tick() then finds nothing due and we re-arm.
    const delay = Math.min(Math.max(0, Math.ceil(deadline - this.clock.now())), 0x7fffffff);
    this.armedFor = deadline;
    this.timer = this.timers.setTimeout(() => {
      this.armedFor = undefined;
      this.timer = undefined;
      this.run((now) => this.tick(now));
    }, delay);
  }

  /**
   * A tick's batch of work in slices, the clock read between them, stopping
   * once TICK_MS have passed: a batch that takes 8-18 ms in a master alone
   * took up to 48 ms in a daemon sharing its two cores with a restart's load
   * and its own collector, and those 48 ms are a turn of the loop no
   * heartbeat is read in. What a tick leaves is done by the next one.
   */
  private tick(now: number): void {
    const until = now + TICK_MS;
    for (let slice = 1, at = now; ; slice++) {
      this.master.tick(at, 1 / TICK_SLICES);
      at = this.clock.now();
      if (slice === TICK_SLICES || at >= until || (this.master.nextDeadline() ?? Infinity) > at) return;
    }
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = undefined;
  }
}
