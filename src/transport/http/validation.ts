import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type ValueError } from '@sinclair/typebox/compiler';
import { describeExpectation } from '../../protocol/validate.js';

/**
 * Route validation by the TypeBox compiler, the one stdio and WebSocket use,
 * so every transport applies the same rules: string lengths in UTF-16 code
 * units (Ajv counts code points, so a 129-emoji id would pass over HTTP
 * alone), no coercion, unknown fields ignored. Only the first error is
 * reported: a 300k-chunk report full of bad handles costs one error, not
 * 300k. Fastify turns it into its 400 `{statusCode, error, message}`, the
 * message naming the field ("body/chunks/1 expected string").
 */
export const protocolValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const check = TypeCompiler.Compile(schema);
  return (value: unknown) => {
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First() as ValueError;
    const expected = describeExpectation(first);
    const message = expected === 'required' ? 'is required' : expected;
    return { error: [{ instancePath: first.path, message }] } as never; // the only fields Fastify's formatter reads
  };
};
