import { performance } from 'node:perf_hooks';

/** A source of monotonic milliseconds. The process's only real clock is below. */
export interface Clock {
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };
