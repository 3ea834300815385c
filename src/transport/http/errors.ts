import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ChunkmasterError } from '../../protocol/errors.js';

/**
 * The app's one error handler: an error from the table (protocol/errors.ts)
 * gets its row's HTTP status, then goes on to Fastify's default handler,
 * which logs it and sends its usual JSON shape {statusCode, error, message}.
 * Fastify's own errors (validation, body too large) pass through untouched.
 */
export function statusFromTable(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): never {
  if (error instanceof ChunkmasterError) reply.code(error.row.http);
  throw error;
}
