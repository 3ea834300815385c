import { performance } from 'node:perf_hooks';

/** A source of monotonic milliseconds. The process's only real clock is below. */
export interface Clock {
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };

/** Whatever setTimeout returned; only the same Timers' clearTimeout reads it. */
export type TimerHandle = unknown;

/**
 * One-shot timers. The driver arms its timers through this, so a simulator
 * can run it on virtual time; the real ones below are the default.
 */
export interface Timers {
  setTimeout(run: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Runs once the I/O read in this turn of the loop is handled; absent where there is no event loop (a simulator). */
  setImmediate?(run: () => void): void;
}

export const realTimers: Timers = {
  setTimeout: (run, ms) => {
    // A timer alone must not keep a finished process alive.
    const timer = setTimeout(run, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setImmediate: (run) => {
    setImmediate(run).unref();
  },
};
