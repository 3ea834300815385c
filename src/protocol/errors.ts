/**
 * Every error the protocol can answer with, in one table. Codes are
 * Maelstrom's; HTTP statuses are what the same condition means over REST.
 */
export const ERRORS = {
  CRASH: { code: 13, http: 500, name: 'crash' },
  NOT_SUPPORTED: { code: 10, http: 400, name: 'not-supported' },
  TEMPORARILY_UNAVAILABLE: { code: 11, http: 503, name: 'temporarily-unavailable' },
  MALFORMED_REQUEST: { code: 12, http: 400, name: 'malformed-request' },
  KEY_DOES_NOT_EXIST: { code: 20, http: 404, name: 'key-does-not-exist' },
  PRECONDITION_FAILED: { code: 22, http: 409, name: 'precondition-failed' },
} as const;

export type ErrorKind = keyof typeof ERRORS;

export class ProtocolError extends Error {
  readonly code: number;
  readonly http: number;

  constructor(
    readonly kind: ErrorKind,
    text: string,
  ) {
    super(text);
    this.name = 'ProtocolError';
    this.code = ERRORS[kind].code;
    this.http = ERRORS[kind].http;
  }
}
