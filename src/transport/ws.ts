import type { CoreEvent } from '../core/index.js';
import { type Body, answer, errorBody, guardAnswer } from '../protocol/dispatch.js';
import { asEnvelope, isBody } from '../protocol/envelope.js';
import { ProtocolError } from '../protocol/errors.js';
import { eventBody } from '../protocol/events.js';
import { pyDumps } from '../protocol/pyjson.js';
import type { CoreDriver } from '../runtime/driver.js';

export interface FrameSink {
  send(text: string): void;
}

/** Hooks of the HTTP app: heartbeats counted like HTTP ones, bugs logged. */
export interface SessionObserver {
  heartbeat(run: () => Body | undefined): Body | undefined;
  /** A bug met while answering `body`; the frame is answered with error 13. */
  bug(error: unknown, body: Body): void;
}

/**
 * One WebSocket connection speaking the protocol: a body (or an envelope)
 * per text frame, each reply the body the stdio node would send, numbered
 * per connection from 0. `{"type":"subscribe"}` adds the core's events to
 * the stream. A bad frame gets an error body; the connection stays open.
 */
export class WsSession {
  private nextMsgId = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly driver: CoreDriver,
    private readonly out: FrameSink,
    private readonly observer?: SessionObserver,
  ) {}

  handleFrame(text: string): void {
    const decoded = decode(text);
    if (decoded instanceof ProtocolError) {
      this.send(errorBody({}, decoded));
      return;
    }
    const { body, src } = decoded;
    if (body['type'] === 'subscribe' && !('in_reply_to' in body)) {
      this.subscribe(body);
      return;
    }
    const reply = this.reply(body, src);
    if (reply !== undefined) this.send(reply);
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private reply(body: Body, src: string | undefined): Body | undefined {
    const run = () => this.driver.run((now) => answer(this.driver.master, now, body, src));
    const observer = this.observer;
    const answering = body['type'] === 'heartbeat' && observer ? () => observer.heartbeat(run) : run;
    return guardAnswer(body, answering, (error) => observer?.bug(error, body));
  }

  private subscribe(request: Body): void {
    const msgId = request['msg_id'];
    this.send({ type: 'subscribe_ok', in_reply_to: Number.isSafeInteger(msgId) ? msgId : undefined });
    this.unsubscribe ??= this.driver.onEvent((event: CoreEvent) => this.send(eventBody(event)));
  }

  private send(body: Body): void {
    body['msg_id'] = this.nextMsgId++;
    this.out.send(pyDumps(body));
  }
}

function decode(text: string): { body: Body; src: string | undefined } | ProtocolError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return new ProtocolError('MALFORMED_REQUEST', 'frame is not JSON');
  }
  if (!isBody(value)) return new ProtocolError('MALFORMED_REQUEST', 'frame is not a JSON object');
  const envelope = asEnvelope(value);
  return envelope ? { body: envelope.body, src: envelope.src } : { body: value, src: undefined };
}
