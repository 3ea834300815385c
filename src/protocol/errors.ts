import { STATUS_CODES } from 'node:http';

/** One condition every transport may answer with an error. */
export interface ErrorRow {
  /** Maelstrom's code on stdio and WebSocket; null for a condition only HTTP meets. */
  readonly code: number | null;
  /** The HTTP status: what the condition means over REST, even where only the protocol meets it. */
  readonly http: number;
  /** The text, `%s` filled with String(arg) and `%j` with JSON.stringify(arg), in order. */
  readonly message: string;
  /** One line for the docs. */
  readonly description: string;
}

/** Maelstrom's error codes, by its names for them. */
export const MAELSTROM_CODES = {
  CRASH: 13,
  NOT_SUPPORTED: 10,
  TEMPORARILY_UNAVAILABLE: 11,
  MALFORMED_REQUEST: 12,
  KEY_DOES_NOT_EXIST: 20,
  PRECONDITION_FAILED: 22,
} as const;
const { CRASH, NOT_SUPPORTED, TEMPORARILY_UNAVAILABLE, MALFORMED_REQUEST, KEY_DOES_NOT_EXIST, PRECONDITION_FAILED } = MAELSTROM_CODES;
/** Our own codes (Maelstrom leaves 1000 and up to applications). STORE_UNREACHABLE: etcd could not be reached, nothing was applied. */
export const OWN_CODES = { STORE_UNREACHABLE: 1000 } as const;
const { STORE_UNREACHABLE } = OWN_CODES;
/** The code of a condition only HTTP meets. */
const HTTP_ONLY = null;

/**
 * Every error chunkmaster answers with, in one table (Fastify's lib/errors.js
 * is the model): throw `new ChunkmasterError(KIND, ...args)`. Protocol codes
 * are Maelstrom's; a protocol error met while handling a message of a known
 * type is prefixed with that type ("drain_server: unknown server \"x\"").
 */
export const ERRORS = {
  CRASH: { code: CRASH, http: 500, message: 'internal error; the message may not have been applied', description: 'A bug met while answering; the message may or may not have been applied.' },
  NOT_SUPPORTED: { code: NOT_SUPPORTED, http: 400, message: 'message type %j is not supported', description: 'A body whose type is no request this master knows.' },
  TYPE_NOT_STRING: { code: MALFORMED_REQUEST, http: 400, message: 'field "type": expected a string', description: 'A body without a string type.' },
  MALFORMED_FIELD: { code: MALFORMED_REQUEST, http: 400, message: 'field %j: %s', description: 'A field missing, of the wrong type or out of range: the first one found is named.' },
  FULL_AND_INCREMENTAL: { code: MALFORMED_REQUEST, http: 400, message: 'field %j: not allowed with "chunks" (a full list and an incremental report do not mix)', description: 'A heartbeat with chunks and chunks_added or chunks_removed.' },
  REPORT_WITHOUT_CHUNKS: { code: MALFORMED_REQUEST, http: 400, message: 'field "report": needs "chunks", the handles of this part', description: 'A part of a split full report that carries no chunks.' },
  REPORT_PART_OUT_OF_RANGE: { code: MALFORMED_REQUEST, http: 400, message: 'field "report/part": expected less than "parts" (%s), got %s', description: 'A report part numbered at or past its count of parts.' },
  SERVER_ID_MISSING: { code: MALFORMED_REQUEST, http: 400, message: 'field "server": required (no envelope src to use)', description: 'A heartbeat naming no server, in a body with no envelope src.' },
  SRC_NOT_SERVER_ID: { code: MALFORMED_REQUEST, http: 400, message: 'envelope "src", the server id when "server" is absent: %s', description: 'A heartbeat whose envelope src, standing for its server, is no valid id.' },
  FRAME_NOT_JSON: { code: MALFORMED_REQUEST, http: 400, message: 'frame is not JSON', description: 'A WebSocket frame that does not parse as JSON.' },
  FRAME_NOT_OBJECT: { code: MALFORMED_REQUEST, http: 400, message: 'frame is not a JSON object', description: 'A WebSocket frame that is JSON but not an object.' },
  LINE_NOT_UTF8: { code: MALFORMED_REQUEST, http: 400, message: 'the line is not valid UTF-8; nothing was applied', description: 'A stdio line that is not UTF-8 (read with U+FFFD, two handles could become one).' },
  HEARTBEAT_THROTTLED: { code: TEMPORARILY_UNAVAILABLE, http: 429, message: 'server %j is over its heartbeat rate limit; liveness counted, retry later', description: 'A WebSocket heartbeat over its server budget: it counted as liveness only.' },
  UNKNOWN_SERVER: { code: KEY_DOES_NOT_EXIST, http: 404, message: 'unknown server %j', description: 'No server with this id has heartbeated (or it was forgotten).' },
  SERVER_ALIVE: { code: PRECONDITION_FAILED, http: 409, message: 'server %j is alive; only a dead server can be forgotten', description: 'forget_server (DELETE /servers/{id}) on a server that is not dead.' },
  INTENT_UNAVAILABLE: { code: STORE_UNREACHABLE, http: 503, message: 'cannot record the %s of server %j in etcd (%s); nothing was applied, retry', description: 'With several masters: a drain or forget while this master cannot reach etcd, where every master reads it from.' },
  TOKEN_REQUIRED: { code: HTTP_ONLY, http: 401, message: 'a valid bearer token is required', description: 'No bearer token, or one the tokens file does not hold.' },
  SERVER_TOKEN_NOT_OPERATOR: { code: HTTP_ONLY, http: 403, message: 'a chunk server token (server %j) may only send heartbeats', description: 'A chunk server token on an operator route.' },
  TOKEN_OF_OTHER_SERVER: { code: HTTP_ONLY, http: 403, message: 'this token may heartbeat only as server %j', description: 'A chunk server token heartbeating as another server.' },
  ADDRESS_RATE_LIMITED: { code: HTTP_ONLY, http: 429, message: 'rate limit exceeded for address %s; retry in %s s', description: 'An address over the abuse threshold, before anything is read.' },
  UNAUTHENTICATED_RATE_LIMITED: { code: HTTP_ONLY, http: 429, message: 'rate limit exceeded for unauthenticated requests from %s; retry in %s s', description: 'An address over its budget of requests that failed authentication.' },
  CLIENT_RATE_LIMITED: { code: HTTP_ONLY, http: 429, message: 'rate limit exceeded for this client; retry in %s s', description: 'An operator (token, or address when open) over its request budget.' },
  HEARTBEAT_RATE_LIMITED: { code: HTTP_ONLY, http: 429, message: 'rate limit exceeded for heartbeats of server %j (liveness counted); retry in %s s', description: 'An HTTP heartbeat over its server budget: it counted as liveness only.' },
  NOT_A_CURSOR: { code: HTTP_ONLY, http: 400, message: 'querystring/after is not a cursor this master gave', description: 'GET /replication with an `after` this master could not have made.' },
  BODY_NOT_UTF8: { code: HTTP_ONLY, http: 400, message: 'body is not valid UTF-8', description: 'A JSON body that is not UTF-8.' },
  HOST_REQUIRED: { code: HTTP_ONLY, http: 400, message: 'an HTTP/1.1 request needs a Host header', description: 'An HTTP/1.1 request without Host (RFC 9112 section 3.2).' },
  HANDSHAKE_REFUSED: { code: HTTP_ONLY, http: 400, message: '%s', description: 'A WebSocket upgrade the ws library refused (no Sec-WebSocket-Key, a bad version): its reason.' },
  UPGRADE_REQUIRED: { code: HTTP_ONLY, http: 426, message: 'GET /ws is a WebSocket endpoint: send an Upgrade: websocket request', description: 'A plain GET on the WebSocket endpoint.' },
  EXPECTATION_FAILED: { code: HTTP_ONLY, http: 417, message: 'unsupported expectation %j', description: 'An Expect header other than 100-continue.' },
  IN_SAFE_MODE: { code: HTTP_ONLY, http: 503, message: 'in safe mode for %s ms more', description: 'GET /readyz while the master is in safe mode.' },
  TOO_MANY_CONNECTIONS: { code: HTTP_ONLY, http: 503, message: 'too many open connections (max %s); retry later', description: 'A connection past the open-connection cap.' },
} as const satisfies Record<string, ErrorRow>;

export type ErrorKind = keyof typeof ERRORS;
/** The kinds stdio and WebSocket can answer with: those with a protocol code. */
export type ProtocolErrorKind = { [K in ErrorKind]: (typeof ERRORS)[K] extends { code: number } ? K : never }[ErrorKind];

type Placeholders<T extends string> = T extends `${string}%${infer Spec}${infer Rest}`
  ? Spec extends 's' | 'j' ? [unknown, ...Placeholders<Rest>] : Placeholders<Rest>
  : [];
/** The arguments a row's template takes, one per placeholder. */
export type MessageArgs<K extends ErrorKind> = Placeholders<(typeof ERRORS)[K]['message']>;

/** An error from the table; the app's Fastify error handler (transport/http/errors.ts) reads its HTTP status from the row. */
export class ChunkmasterError<K extends ErrorKind = ErrorKind> extends Error {
  override name = 'ChunkmasterError';

  constructor(
    readonly kind: K,
    ...args: MessageArgs<K>
  ) {
    super(format(ERRORS[kind].message, args));
  }

  /** Names what was being handled, in front of the text: `drain_server: unknown server "x"`. */
  about(subject: string): this {
    this.message = `${subject}: ${this.message}`;
    return this;
  }

  get row(): ErrorRow {
    return ERRORS[this.kind];
  }
}

/** True when `error` is a table error stdio and WebSocket can answer with. */
export function isProtocolError(error: unknown): error is ChunkmasterError<ProtocolErrorKind> {
  return error instanceof ChunkmasterError && error.row.code !== null;
}

/** Fastify's JSON error shape for a table error, for replies written without Fastify (raw sockets). */
export function errorJson(error: ChunkmasterError): string {
  const statusCode = error.row.http;
  return JSON.stringify({ statusCode, error: STATUS_CODES[statusCode], message: error.message });
}

function format(template: string, args: readonly unknown[]): string {
  let next = 0;
  return template.replace(/%([sj])/g, (_match, spec: string) => {
    const arg = args[next++];
    return spec === 'j' ? JSON.stringify(arg) : String(arg);
  });
}
