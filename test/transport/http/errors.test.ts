import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorCodes } from 'fastify';
import t from 'tap';
import { ChunkmasterError, ERRORS } from '../../../src/protocol/errors.js';
import { statusFromTable } from '../../../src/transport/http/errors.js';

/** A reply that only records the status it is given. */
function replyRecorder() {
  const codes: number[] = [];
  const reply = { code: (status: number) => codes.push(status) } as unknown as FastifyReply;
  return { codes, reply };
}

t.test('a table error gets its row\'s HTTP status and goes on, unchanged, to Fastify\'s handler', async (t) => {
  const { codes, reply } = replyRecorder();
  const error = new ChunkmasterError('NOT_A_CURSOR');
  t.throws(() => statusFromTable(error as unknown as FastifyError, {} as FastifyRequest, reply), error, 'the very error is rethrown');
  t.same(codes, [ERRORS.NOT_A_CURSOR.http]);
  const conflict = new ChunkmasterError('SERVER_ALIVE', 'cs1');
  t.throws(() => statusFromTable(conflict as unknown as FastifyError, {} as FastifyRequest, reply), conflict);
  t.same(codes, [400, 409]);
});

t.test('any other error passes through without a status of its own', async (t) => {
  const { codes, reply } = replyRecorder();
  const fastify = new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  t.throws(() => statusFromTable(fastify, {} as FastifyRequest, reply), fastify);
  const plain = new Error('a bug') as FastifyError;
  t.throws(() => statusFromTable(plain, {} as FastifyRequest, reply), plain);
  t.same(codes, [], 'Fastify\'s handler picks the status');
});
