import type { Readable } from 'node:stream';
import { type Body, answer, errorBody, guardAnswer } from '../protocol/dispatch.js';
import { type Envelope, asEnvelope } from '../protocol/envelope.js';
import { ChunkmasterError } from '../protocol/errors.js';
import { pyDumps } from '../protocol/pyjson.js';
import type { CoreDriver } from '../runtime/driver.js';
import type { Logger } from '../runtime/logger.js';
import { type Line, LineSplitter } from './lines.js';

/** Where replies go: a Writable (then stdin waits while it is full) or anything with write(). */
export interface LineSink {
  write(line: string): unknown;
  once?(event: 'drain', listener: () => void): unknown;
  /** Bytes written but not yet flushed. */
  readonly writableLength?: number;
  /** A write was refused and 'drain' is still to come. */
  readonly writableNeedDrain?: boolean;
}

/**
 * Replies stdout may hold before stdin stops being read. Waiting for 'drain'
 * each time 16 KiB are buffered (a Writable's default mark) would stall the
 * node hundreds of times a second behind a reader that keeps up; past this
 * budget the reader has fallen behind and holds the node back.
 */
export const OUTPUT_BUDGET_BYTES = 1024 * 1024;

/**
 * The Maelstrom node: one JSON envelope per stdin line, replies on stdout in
 * Python json.dumps form. Resolves at EOF once every line is answered.
 */
export class StdioNode {
  private nodeId: string | undefined;
  private nextMsgId = 0;

  constructor(
    private readonly driver: CoreDriver,
    private readonly out: LineSink,
    private readonly log: Logger,
    private readonly outputBudgetBytes = OUTPUT_BUDGET_BYTES,
  ) {}

  /**
   * Answers every line of `input` in order. Lines are split straight off the
   * 'data' chunks (bytes, so that a line that is not UTF-8 can be refused):
   * readline's per-line events and promises cost about as much as answering
   * a heartbeat. When stdout holds more than its budget, stdin is paused
   * until it drains, so a slow reader holds the node back instead of filling
   * its memory.
   */
  run(input: Readable): Promise<void> {
    return new Promise((resolve, reject) => {
      const splitter = new LineSplitter();
      let queue: Line[] = [];
      let next = 0;
      let ended = false;
      let waiting = false;
      const answerQueued = (): void => {
        while (next < queue.length) {
          this.handle(queue[next++] as Line);
          if (this.out.once !== undefined && this.mustWait()) {
            waiting = true;
            input.pause();
            this.out.once('drain', () => {
              waiting = false;
              answerQueued();
            });
            return;
          }
        }
        queue = [];
        next = 0;
        if (ended) resolve();
        else input.resume();
      };
      input.on('data', (chunk: Buffer | string) => {
        splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, queue);
        if (!waiting) answerQueued();
      });
      input.once('end', () => {
        splitter.end(queue);
        ended = true;
        if (!waiting) answerQueued();
      });
      input.once('error', reject);
    });
  }

  /** Stdout holds more than its budget; 'drain' will say when it has room. */
  private mustWait(): boolean {
    return this.out.writableNeedDrain === true && (this.out.writableLength ?? 0) > this.outputBudgetBytes;
  }

  private handle(line: Line): void {
    if (typeof line === 'string') this.handleLine(line);
    else this.refuseNonUtf8(line);
  }

  handleLine(line: string): void {
    if (line.trim() === '') return;
    const envelope = this.parse(line);
    if (envelope === undefined) return;
    const { src, dest, body } = envelope;
    const reply = this.answerSafely(body, src);
    if (reply === undefined) return;
    if (reply['type'] === 'init_ok') this.nodeId = (body as { node_id: string }).node_id;
    this.send(src, reply, dest);
  }

  /**
   * A line that is not UTF-8 is answered with error 12, never applied: read
   * with U+FFFD in it, `k\xff` and `k\xfe` would be one chunk handle. The
   * replacement text is only used to find whom to answer.
   */
  private refuseNonUtf8(bytes: Buffer): void {
    const envelope = this.parse(bytes.toString('utf8'));
    if (envelope === undefined || 'in_reply_to' in envelope.body) return;
    this.send(envelope.src, errorBody(envelope.body, new ChunkmasterError('LINE_NOT_UTF8')), envelope.dest);
  }

  private answerSafely(body: Body, src: string): Body | undefined {
    return guardAnswer(
      body,
      () => this.driver.run((now) => answer(this.driver.master, now, body, src)),
      (error) => this.log.error({ err: error, src, type: body['type'] }, 'internal error while handling a message'),
    );
  }

  private parse(line: string): Envelope | undefined {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      this.log.warn({ err: (error as Error).message, line: preview(line) }, 'skipped a line that is not JSON');
      return undefined;
    }
    const envelope = asEnvelope(value);
    if (envelope === undefined) this.log.warn({ line: preview(line) }, 'skipped a line that is not an envelope {src, dest, body}');
    return envelope;
  }

  private send(dest: string, body: Body, fallbackSrc: string): void {
    body['msg_id'] = this.nextMsgId++;
    this.out.write(pyDumps({ src: this.nodeId ?? fallbackSrc, dest, body }) + '\n');
  }
}

function preview(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}... (${line.length} chars)` : line;
}
