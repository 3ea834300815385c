import type { Readable } from 'node:stream';
import { type Body, answer, errorBody } from '../protocol/dispatch.js';
import { ProtocolError } from '../protocol/errors.js';
import { pyDumps } from '../protocol/pyjson.js';
import type { CoreDriver } from '../runtime/driver.js';
import type { Logger } from '../runtime/logger.js';

export interface LineSink {
  write(line: string): unknown;
}

const LINE_BREAK = /\r\n|\r|\n/;
const HAS_LINE_BREAK = /[\r\n]/;

interface Envelope {
  src: string;
  dest: string;
  body: Body;
}

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

  /** A bug met by one message is logged and answered with error 13; the node keeps serving. */
  private answerSafely(body: Body, src: string): Body | undefined {
    try {
      return this.driver.run((now) => answer(this.driver.master, now, body, src));
    } catch (error) {
      this.log.error({ err: error, src, type: body['type'] }, 'internal error while handling a message');
      return errorBody(body, new ProtocolError('CRASH', 'internal error; the message may not have been applied'));
    }
  }

  private parse(line: string): Envelope | undefined {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      this.log.warn({ err: (error as Error).message, line: preview(line) }, 'skipped a line that is not JSON');
      return undefined;
    }
    if (!isEnvelope(value)) {
      this.log.warn({ line: preview(line) }, 'skipped a line that is not an envelope {src, dest, body}');
      return undefined;
    }
    return value;
  }

  private send(dest: string, body: Body, fallbackSrc: string): void {
    body['msg_id'] = this.nextMsgId++;
    this.out.write(pyDumps({ src: this.nodeId ?? fallbackSrc, dest, body }) + '\n');
  }
}

function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { src, dest, body } = value as Record<string, unknown>;
  return typeof src === 'string' && typeof dest === 'string' && isPlainObject(body);
}

function isPlainObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function preview(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}... (${line.length} chars)` : line;
}
