import { TypeCompiler, type TypeCheck, type ValueError } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ChunkmasterError } from './errors.js';
import { REQUESTS, type RequestMessage } from './schemas.js';

const checkers = new Map<string, TypeCheck<TSchema>>(
  Object.entries(REQUESTS).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
);

/** Checks a body against its type's schema; throws a protocol error naming the field. */
export function decodeRequest(body: Record<string, unknown>): RequestMessage {
  const type = body['type'];
  if (typeof type !== 'string') throw new ChunkmasterError('TYPE_NOT_STRING');
  const checker = checkers.get(type);
  if (checker === undefined) throw new ChunkmasterError('NOT_SUPPORTED', type);
  if (checker.Check(body)) return body as RequestMessage;
  throw malformed(checker.Errors(body).First() as ValueError).about(type);
}

/** The first schema error as the protocol names it. */
function malformed(error: ValueError): ChunkmasterError {
  return new ChunkmasterError('MALFORMED_FIELD', fieldOf(error), describeExpectation(error));
}

/** "field \"chunks/2\": expected ..." with the expectation spelled out for enums. */
export function describeError(error: ValueError): string {
  return malformed(error).message;
}

function fieldOf(error: ValueError): string {
  return error.path.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~') || '(body)';
}

/** What the value should have been: "required", "expected one of ...", "expected string". */
export function describeExpectation(error: ValueError): string {
  const options = literalOptions(error.schema);
  if (options) return `expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
  const message = error.message.charAt(0).toLowerCase() + error.message.slice(1);
  return message === 'expected required property' ? 'required' : message;
}

function literalOptions(schema: TSchema): unknown[] | undefined {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf || !anyOf.every((s) => 'const' in s)) return undefined;
  return anyOf.map((s) => (s as unknown as { const: unknown }).const);
}
