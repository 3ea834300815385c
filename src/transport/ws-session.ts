import type { CoreEvent } from '../core/index.js';
import { type Body, answerErrors, errorBody, guardAnswer, respond } from '../protocol/dispatch.js';
import { asEnvelope, isBody } from '../protocol/envelope.js';
import { ChunkmasterError } from '../protocol/errors.js';
import { eventBody } from '../protocol/events.js';
import { pyDumps } from '../protocol/pyjson.js';
import { ID_MAX_LENGTH } from '../protocol/schemas.js';
import type { CoreDriver } from '../runtime/driver.js';
import { DroppedEvents } from './dropped-events.js';

export interface FrameSink {
  /** Sends one text frame; `flushed` runs once it has left this process's buffers. */
  send(text: string, flushed?: () => void): void;
  /** Bytes sent but not yet handed to the kernel (ws's bufferedAmount). */
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  /** Stops reading the socket, so TCP pushes back on the client; resume() reads again. */
  pause(): void;
  resume(): void;
}

/**
 * The rate budgets HTTP requests spend (see http/limits.ts), as seen from
 * one socket, and what the socket may hold unsent. Each call returns the ms
 * until the frame may go (0: now, and the budget is spent).
 */
export interface FrameLimits {
  /** The socket's address: the abuse threshold. */
  address(): number;
  /** A heartbeat's server. */
  heartbeat(server: string): number;
  /** The socket's client: its token, or its address when the daemon is open. */
  client(): number;
  /** Liveness only, for a heartbeat over its server's budget. */
  keepAlive(server: string): void;
  /** Unsent bytes past which a socket that asks for another reply is closed (1008). */
  sendBudgetBytes: number;
  /** Unsent bytes past which events are dropped and counted, then summarised. */
  eventBudgetBytes: number;
}

/** Hooks of the HTTP app: heartbeats counted like HTTP ones, bugs logged. */
export interface SessionObserver {
  /** Runs the answering of a heartbeat, which throws when it refuses it. */
  heartbeat(run: () => Body | undefined): Body | undefined;
  /** A bug met while answering `body`; the frame is answered with error 13. */
  bug(error: unknown, body: Body): void;
  /**
   * With several masters: records a drain or forget in the group's store
   * before it is answered (undefined for any other body); it rejects with
   * the refusal to answer with.
   */
  intent?: ((body: Body) => Promise<void> | undefined) | undefined;
}

/** WebSocket close code for a policy violation: replies left unread past the send budget. */
export const CLOSE_POLICY = 1008;

/**
 * One WebSocket connection speaking the protocol: a body (or an envelope)
 * per text frame, each reply the body the stdio node would send, numbered
 * per connection from 0. `{"type":"subscribe"}` adds the core's events to
 * the stream. A bad frame gets an error body; the connection stays open.
 *
 * Back-pressure: a frame over its budget is held and the socket paused until
 * the budget refills (a heartbeat over its server's budget is answered with
 * error 11 after counting as liveness, as long as the client's own budget
 * lasts). Events that find more than the event budget unsent are dropped and
 * counted, then summarised in one `events_dropped` frame once the client has
 * caught up; a client that asks for more while over the send budget is closed.
 */
export class WsSession {
  private nextMsgId = 0;
  private unsubscribe: (() => void) | undefined;
  /** Frames received while throttled, oldest first; bounded by one socket read, since the socket is paused. */
  private held: string[] = [];
  private resumeTimer: NodeJS.Timeout | undefined;
  private dropped: DroppedEvents | undefined;
  private closed = false;
  private readonly onFlushed = () => this.caughtUp();

  constructor(
    private readonly driver: CoreDriver,
    private readonly out: FrameSink,
    private readonly observer: SessionObserver,
    private readonly limits: FrameLimits,
  ) {}

  handleFrame(text: string): void {
    if (this.closed) return;
    if (this.held.length > 0) {
      this.held.push(text);
      return;
    }
    const wait = this.handle(text);
    if (wait > 0) {
      this.held.push(text);
      this.pauseFor(wait);
    }
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.resumeTimer);
    this.held = [];
  }

  /** Handles one frame: 0, or the ms to wait before it can be (nothing done). */
  private handle(text: string): number {
    const flooding = this.limits.address();
    if (flooding > 0) return flooding;
    const decoded = decode(text);
    if (decoded instanceof ChunkmasterError) {
      const wait = this.limits.client();
      if (wait === 0) this.reply(errorBody({}, decoded));
      return wait;
    }
    const { body, src } = decoded;
    const server = heartbeatServer(body, src);
    if (server === undefined) {
      const wait = this.limits.client();
      if (wait === 0) this.dispatch(body, src);
      return wait;
    }
    if (this.limits.heartbeat(server) === 0) {
      this.dispatch(body, src);
      return 0;
    }
    // Over its server's budget it still counts as liveness; answered with
    // error 11 on the client's budget, so that a socket flooding one
    // server's heartbeats is throttled, not answered as fast as it sends.
    this.limits.keepAlive(server);
    const wait = this.limits.client();
    if (wait === 0) this.refuseHeartbeat(body, server);
    return wait;
  }

  private dispatch(body: Body, src: string | undefined): void {
    if (body['type'] === 'subscribe' && !('in_reply_to' in body)) {
      this.subscribe(body);
      return;
    }
    const recorded = this.observer.intent?.(body);
    if (recorded !== undefined) {
      recorded.then(() => this.answer(body, src), (error: unknown) => this.refuse(body, error));
      return;
    }
    this.answer(body, src);
  }

  private answer(body: Body, src: string | undefined): void {
    if (this.closed) return;
    const run = () => this.driver.run((now) => respond(this.driver.master, now, body, src));
    const observer = this.observer;
    const answering = body['type'] === 'heartbeat' ? () => observer.heartbeat(run) : run;
    const reply = guardAnswer(body, () => answerErrors(body, answering), (error) => observer.bug(error, body));
    if (reply !== undefined) this.reply(reply);
  }

  /** An intent the store did not take: its refusal is the reply. */
  private refuse(body: Body, error: unknown): void {
    if (this.closed) return;
    const reply = guardAnswer(body, () => answerErrors(body, () => { throw error; }), (bug) => this.observer.bug(bug, body));
    this.reply(reply as Body);
  }

  private refuseHeartbeat(body: Body, server: string): void {
    const refuse = () => {
      throw new ChunkmasterError('HEARTBEAT_THROTTLED', server);
    };
    this.reply(answerErrors(body, () => this.observer.heartbeat(refuse))!);
  }

  /** Reads nothing more until `ms` from now, then handles the held frames. */
  private pauseFor(ms: number): void {
    this.out.pause();
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => this.drainHeld(), ms);
  }

  private drainHeld(): void {
    this.resumeTimer = undefined;
    let handled = 0;
    while (handled < this.held.length && !this.closed) {
      const wait = this.handle(this.held[handled]!);
      if (wait > 0) {
        this.held.splice(0, handled);
        this.pauseFor(wait);
        return;
      }
      handled++;
    }
    this.held = [];
    if (!this.closed) this.out.resume();
  }

  private subscribe(request: Body): void {
    const msgId = request['msg_id'];
    this.reply({ type: 'subscribe_ok', in_reply_to: Number.isSafeInteger(msgId) ? msgId : undefined });
    this.unsubscribe ??= this.driver.onEvent((event: CoreEvent) => this.event(event));
  }

  private event(event: CoreEvent): void {
    if (this.dropped !== undefined) this.caughtUp();
    if (this.dropped !== undefined || this.out.bufferedAmount > this.limits.eventBudgetBytes) {
      (this.dropped ??= new DroppedEvents()).add(event);
      return;
    }
    this.send(eventBody(event));
  }

  /** Called as frames sent near the event budget leave: the first time the client is under it again, the summary goes. */
  private caughtUp(): void {
    if (this.closed || this.dropped === undefined || this.out.bufferedAmount > this.limits.eventBudgetBytes) return;
    const summary = this.dropped.summary();
    this.dropped = undefined;
    this.send(summary);
  }

  private reply(body: Body): void {
    if (this.out.bufferedAmount > this.limits.sendBudgetBytes) {
      this.close();
      this.out.close(CLOSE_POLICY, 'send budget exceeded: read the replies before asking for more');
      return;
    }
    this.send(body);
  }

  private send(body: Body): void {
    body['msg_id'] = this.nextMsgId++;
    const text = pyDumps(body);
    // Only frames sent near the budget carry a callback: the last of them to
    // leave finds the buffer under the budget, which is when a lagging
    // subscriber has caught up.
    const near = this.out.bufferedAmount + text.length > this.limits.eventBudgetBytes;
    this.out.send(text, near ? this.onFlushed : undefined);
  }
}

/** The server a heartbeat frame speaks for, when it names a plausible one. */
function heartbeatServer(body: Body, src: string | undefined): string | undefined {
  if (body['type'] !== 'heartbeat' || 'in_reply_to' in body) return undefined;
  const server = body['server'] === undefined ? src : body['server'];
  return typeof server === 'string' && server.length >= 1 && server.length <= ID_MAX_LENGTH ? server : undefined;
}

function decode(text: string): { body: Body; src: string | undefined } | ChunkmasterError<'FRAME_NOT_JSON' | 'FRAME_NOT_OBJECT'> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return new ChunkmasterError('FRAME_NOT_JSON');
  }
  if (!isBody(value)) return new ChunkmasterError('FRAME_NOT_OBJECT');
  const envelope = asEnvelope(value);
  return envelope ? { body: envelope.body, src: envelope.src } : { body: value, src: undefined };
}
