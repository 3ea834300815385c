import { TypeCompiler, type ValueError } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { Master } from '../core/index.js';
import { ChunkmasterError, type ProtocolErrorKind, isProtocolError } from './errors.js';
import * as handlers from './handlers.js';
import { HeartbeatFields, REPLIES, type RequestMessage } from './schemas.js';
import { decodeRequest, describeExpectation } from './validate.js';

export type Body = Record<string, unknown>;

/**
 * Answers one protocol body against the core, the same way for every
 * transport that speaks the JSON protocol. Returns the reply body without
 * msg_id (the sender numbers its own messages), or undefined for a body
 * that is itself a reply and so never answered.
 */
export function answer(master: Master, now: number, body: Body, src?: string): Body | undefined {
  return answerErrors(body, () => respond(master, now, body, src));
}

/** Runs `answering`; the protocol error it throws becomes the error reply to `body`. */
export function answerErrors(body: Body, answering: () => Body | undefined): Body | undefined {
  try {
    return answering();
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    return errorBody(body, error);
  }
}

/**
 * Runs the answering of one request; a bug it meets (anything but a
 * protocol error, which answer() already turns into a reply) is handed to
 * `onBug` and answered with error 13, so one message never stops a transport.
 */
export function guardAnswer(body: Body, answering: () => Body | undefined, onBug: (error: unknown) => void): Body | undefined {
  try {
    return answering();
  } catch (error) {
    onBug(error);
    return errorBody(body, new ChunkmasterError('CRASH'));
  }
}

export function errorBody(request: Body, error: ChunkmasterError<ProtocolErrorKind>): Body {
  const msgId = request['msg_id'];
  const inReplyTo = Number.isSafeInteger(msgId) && (msgId as number) >= 0 ? msgId : undefined;
  return { type: 'error', in_reply_to: inReplyTo, code: error.row.code, text: error.message };
}

/**
 * The reply to one body, or undefined for a reply; a refusal is thrown as a
 * protocol error, named after the message type once that is known.
 */
export function respond(master: Master, now: number, body: Body, src: string | undefined): Body | undefined {
  if ('in_reply_to' in body) return undefined;
  const message = decodeRequest(body);
  try {
    return encode(message.type, message.msg_id, handle(master, now, message, src));
  } catch (error) {
    if (error instanceof ChunkmasterError) error.about(message.type);
    throw error;
  }
}

function handle(master: Master, now: number, message: RequestMessage, src: string | undefined): Body {
  switch (message.type) {
    case 'init':
      return handlers.init();
    case 'heartbeat':
      return handlers.heartbeat(master, now, { ...message, server: message.server ?? srcAsServer(src) });
    case 'server_status':
      return handlers.serverStatus(master, now, message);
    case 'chunk_locations':
      return handlers.chunkLocations(master, now, message);
    case 'check_replication':
      return handlers.checkReplication(master, now);
    case 'drain_server':
      return handlers.drainServer(master, now, message);
    case 'forget_server':
      return handlers.forgetServer(master, now, message);
  }
}

/** The `server` field's own schema: an id taken from the envelope obeys the same limits. */
const serverIdCheck = TypeCompiler.Compile(HeartbeatFields.server);

function srcAsServer(src: string | undefined): string {
  if (src === undefined || src === '') throw new ChunkmasterError('SERVER_ID_MISSING');
  if (!serverIdCheck.Check(src)) {
    const first = serverIdCheck.Errors(src).First() as ValueError;
    throw new ChunkmasterError('SRC_NOT_SERVER_ID', describeExpectation(first));
  }
  return src;
}

/**
 * Top-level fields a reply's schema marks optional are left out on stdio and
 * WebSocket when they say nothing: an empty list, or false (CONTRACT 3:
 * heartbeat_ok's instruction lists; CONTRACT 9: its full_report).
 */
const omittedWhenVoid = new Map<string, Set<string>>(
  REPLIES.map((schema) => {
    const required = new Set<string>(schema.required);
    const fields = Object.entries(schema.properties as Record<string, TSchema>);
    const omissible = fields.filter(([name, field]) => (field.type === 'array' || field.type === 'boolean') && !required.has(name));
    return [schema.$id as string, new Set(omissible.map(([name]) => name))];
  }),
);

const isVoid = (value: unknown) => value === false || (Array.isArray(value) && value.length === 0);

/** The protocol reply: its type, the request's msg_id, then the handler's fields in order. */
function encode(type: RequestMessage['type'], msgId: number, fields: Body): Body {
  const replyType = `${type}_ok`;
  const omitted = omittedWhenVoid.get(replyType);
  const reply: Body = { type: replyType, in_reply_to: msgId };
  for (const [name, value] of Object.entries(fields)) {
    // Left undefined, not deleted: pyDumps leaves it out, and the key order holds for every reply.
    reply[name] = omitted?.has(name) && isVoid(value) ? undefined : value;
  }
  return reply;
}
