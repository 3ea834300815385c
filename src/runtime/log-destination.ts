import sonicBoom from 'sonic-boom';

// sonic-boom is CommonJS: its class is a property of the default export.
const { SonicBoom } = sonicBoom;

/** Bytes of log lines held for a slow or stuck sink; past this, lines are dropped and counted. */
export const LOG_BUFFER_BYTES = 1024 * 1024;

/** What the process sees of its log sink. */
export interface LogOutput {
  /** Lines taken for writing (written, or buffered until the sink takes them). */
  readonly accepted: number;
  /** Lines dropped because the buffer was full (the sink stuck or slow) or the sink had failed. */
  readonly dropped: number;
  /**
   * Waits up to `timeoutMs` for the buffer to drain; true once it has.
   * Afterwards a sink that refuses writes is given up on rather than retried,
   * so a stuck pipe never keeps the process from exiting.
   */
  close(timeoutMs: number): Promise<boolean>;
}

export interface DestinationOptions {
  /** File descriptor written asynchronously (stderr, for the daemon). */
  fd: number;
  maxBytes?: number;
  /** Turns one pino JSON line into what is written (a readable line, say). */
  format?: (line: string) => string;
  /** Fields of the drop notice besides level, time and msg (pino's base fields). */
  base?: Record<string, unknown>;
}

/**
 * A pino destination that never blocks the event loop: lines are written
 * asynchronously (sonic-boom, not pino.destination(), whose exit hook flushes
 * synchronously and hangs forever on a full pipe) and at most `maxBytes` wait
 * for the sink. A line that does not fit is dropped and counted; once the sink
 * takes writes again a warn line tells how many were lost.
 */
export class LogDestination implements LogOutput {
  accepted = 0;
  dropped = 0;
  private readonly sink: InstanceType<typeof SonicBoom>;
  private readonly maxBytes: number;
  private readonly format: (line: string) => string;
  private readonly base: Record<string, unknown>;
  /** Bytes accepted that the sink has not taken yet (sonic-boom keeps no public count). */
  private buffered = 0;
  private unreported = 0;
  private failed = false;
  private closing = false;

  constructor(options: DestinationOptions) {
    this.maxBytes = options.maxBytes ?? LOG_BUFFER_BYTES;
    this.format = options.format ?? ((line) => line);
    this.base = options.base ?? {};
    // A full non-blocking pipe answers EAGAIN: sonic-boom retries it on a timer, until we close.
    this.sink = new SonicBoom({ fd: options.fd, sync: false, retryEAGAIN: () => !this.closing });
    this.sink.on('write', (bytes: number) => {
      this.buffered = Math.max(0, this.buffered - bytes);
      this.reportDrops();
    });
    // EPIPE (the reader went away) or EAGAIN after close: nothing more can be written.
    this.sink.on('error', () => {
      this.failed = true;
    });
  }

  /** Called by pino with one serialised line. */
  write(line: string): void {
    if (!this.offer(this.format(line))) {
      this.dropped++;
      this.unreported++;
    }
  }

  async close(timeoutMs: number): Promise<boolean> {
    const drained = this.buffered === 0 || (!this.failed && (await this.drain(timeoutMs)));
    this.closing = true;
    return drained;
  }

  private drain(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const onDrain = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.sink.off('drain', onDrain);
        resolve(false);
      }, timeoutMs);
      this.sink.once('drain', onDrain);
    });
  }

  private offer(text: string): boolean {
    if (this.failed) return false;
    const bytes = Buffer.byteLength(text);
    if (this.buffered + bytes > this.maxBytes) return false;
    this.buffered += bytes;
    this.accepted++;
    this.sink.write(text);
    return true;
  }

  /** After drops, once the sink has taken half the buffer: one line with the count. */
  private reportDrops(): void {
    if (this.unreported === 0 || this.buffered > this.maxBytes / 2) return;
    const count = this.unreported;
    this.unreported = 0;
    const notice = { level: 40, time: Date.now(), ...this.base, dropped: count, msg: `${count} log lines dropped` };
    this.offer(this.format(`${JSON.stringify(notice)}\n`));
  }
}
