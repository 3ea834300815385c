import type { Readable } from 'node:stream';
import { type Body, answer, guardAnswer } from '../protocol/dispatch.js';
import { type Envelope, asEnvelope } from '../protocol/envelope.js';
import { pyDumps } from '../protocol/pyjson.js';
import type { CoreDriver } from '../runtime/driver.js';
import type { Logger } from '../runtime/logger.js';

export interface LineSink {
  write(line: string): unknown;
}

const LINE_BREAK = /\r\n|\r|\n/;
const HAS_LINE_BREAK = /[\r\n]/;

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
  ) {}

  /**
   * Answers every line of `input` in order. Lines are split straight off the
   * 'data' chunks: readline's per-line events and promises cost about as much
   * as answering a heartbeat. Line breaks are \n, \r\n or a lone \r, as
   * readline has them; the empty line a \r\n split across chunks leaves is
   * skipped like any blank line.
   */
  run(input: Readable): Promise<void> {
    return new Promise((resolve, reject) => {
      let partial = '';
      input.setEncoding('utf8');
      input.on('data', (chunk: string) => {
        // A long line arrives in many chunks: only look for breaks in the new
        // one, so a 5 MB heartbeat costs one scan instead of one per chunk.
        if (!HAS_LINE_BREAK.test(chunk)) {
          partial += chunk;
          return;
        }
        const lines = (partial + chunk).split(LINE_BREAK);
        partial = lines.pop() as string;
        for (const line of lines) this.handleLine(line);
      });
      input.once('end', () => {
        this.handleLine(partial);
        resolve();
      });
      input.once('error', reject);
    });
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
