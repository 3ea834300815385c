import { type CoreConfig, Master } from '../core/index.js';
import { monotonicClock } from './clock.js';
import { CoreDriver } from './driver.js';
import { type EventLogger, logEvents } from './event-log.js';

/** A master on the real clock, its driver, and its state transitions logged: what `stdio` and `serve` run. */
export interface CoreProcess {
  readonly driver: CoreDriver;
  /** Disarms the driver's timer and stops the event log. */
  close(): void;
}

export function startCore(config: CoreConfig, log: EventLogger): CoreProcess {
  const driver = new CoreDriver(new Master(monotonicClock.now(), config));
  const stopEventLog = logEvents(driver, log);
  return {
    driver,
    close() {
      driver.close();
      stopEventLog();
    },
  };
}
