import type { CoreEvent, Master } from '../core/index.js';
import { type Clock, monotonicClock } from './clock.js';

export type EventListener = (event: CoreEvent) => void;

/**
 * Feeds the core the time and keeps exactly one timer armed for its next
 * deadline, so servers die on time with no input arriving. Every transport
 * calls the core through run(), which re-arms the timer afterwards.
 */
export class CoreDriver {
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | undefined;
  private readonly listeners = new Set<EventListener>();
  private closed = false;

  constructor(
    readonly master: Master,
    private readonly clock: Clock = monotonicClock,
  ) {}

  now(): number {
    return this.clock.now();
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  run<T>(work: (now: number) => T): T {
    try {
      return work(this.clock.now());
    } finally {
      this.settle();
    }
  }

  close(): void {
    this.closed = true;
    this.disarm();
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
    this.timer = setTimeout(() => {
      this.armedFor = undefined;
      this.timer = undefined;
      this.run((now) => this.master.tick(now));
    }, delay);
    // The timer alone must not keep a finished process alive.
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = undefined;
  }
}
