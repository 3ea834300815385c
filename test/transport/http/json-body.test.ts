import type { FastifyRequest } from 'fastify';
import t from 'tap';
import { parseJsonBody } from '../../../src/transport/http/strict.js';

t.test('any JSON value parses, a bare primitive or array included', async (t) => {
  for (const text of ['42', '"a string"', 'null', '[1, [2], "x"]', '{"constructor": 7}']) {
    const parsed = await new Promise((resolve, reject) => {
      parseJsonBody({} as FastifyRequest, Buffer.from(text), (error, value) => (error ? reject(error) : resolve(value)));
    });
    t.same(parsed, JSON.parse(text), text);
  }
});
