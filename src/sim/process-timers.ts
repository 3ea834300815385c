import type { TimerHandle, Timers } from '../runtime/clock.js';
import type { Agenda, Entry } from './agenda.js';

/** One armed timer: its agenda entry until it falls due, then, while the process is stopped, a wait in line. */
interface Armed {
  run: (() => void) | undefined;
  entry: Entry;
}

/**
 * A master process's timers on the agenda. While the process is stopped
 * (held), timers that fall due wait, in order, and run when it is released,
 * late, as a stopped process's timers do; a crash drops them.
 */
export class ProcessTimers implements Timers {
  private held: Armed[] | undefined;

  constructor(private readonly agenda: Agenda) {}

  setTimeout(run: () => void, ms: number): TimerHandle {
    const armed: Armed = {
      run,
      entry: this.agenda.after(ms, () => {
        if (this.held !== undefined) this.held.push(armed);
        else this.fire(armed);
      }),
    };
    return armed;
  }

  clearTimeout(handle: TimerHandle): void {
    const armed = handle as Armed;
    armed.run = undefined;
    this.agenda.cancel(armed.entry);
  }

  hold(): void {
    this.held ??= [];
  }

  /** The process runs again: what fell due meanwhile runs now, in order. */
  release(): void {
    const due = this.held ?? [];
    this.held = undefined;
    for (const armed of due) this.fire(armed);
  }

  /** The process is gone: nothing it armed runs. */
  drop(): void {
    for (const armed of this.held ?? []) armed.run = undefined;
    this.held = undefined;
  }

  private fire(armed: Armed): void {
    const run = armed.run;
    armed.run = undefined;
    run?.();
  }
}
