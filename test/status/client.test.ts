import { type Server, createServer } from 'node:http';
import t, { type Test } from 'tap';
import { StatusError, readStatus } from '../../src/status/client.js';

/** A stand-in for a master that answers every GET with `answer`. */
async function fakeMaster(t: Test, answer: (path: string) => { status: number; body: string }): Promise<string> {
  const server: Server = createServer((request, response) => {
    const { status, body } = answer(request.url ?? '');
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const OK: Record<string, unknown> = {
  '/health': { status: 'HEALTH_OK', checks: [] },
  '/servers': { servers: [] },
  '/replication?limit=1': { safe_mode: false, totals: { missing: 0, critical: 0, normal: 0 } },
  '/leader': { role: 'leader', epoch: 2, leader: 'http://m1', master_id: 'm1' },
};

t.test('the four reads, /leader included when the master has one', async (t) => {
  const url = await fakeMaster(t, (path) => ({ status: 200, body: JSON.stringify(OK[path]) }));
  const data = await readStatus(url, 'tok');
  t.same(data.leader, OK['/leader']);
  t.same(data.servers, []);
});

t.test('an answer that is not a master\'s is a StatusError saying what came', async (t) => {
  const garbage = await fakeMaster(t, () => ({ status: 200, body: '<html>' }));
  await t.rejects(readStatus(garbage, undefined), { name: 'StatusError', message: /^the master at http:\S+ answered GET \/\S+ with something that is not JSON$/ });
  const broken = await fakeMaster(t, (path) => (path === '/servers' ? { status: 500, body: 'oops' } : { status: 200, body: JSON.stringify(OK[path]) }));
  await t.rejects(readStatus(broken, undefined), new StatusError(`the master at ${broken} answered GET /servers with 500: oops`));
  const fastify = await fakeMaster(t, () => ({ status: 503, body: JSON.stringify({ statusCode: 503, message: 'too many open connections' }) }));
  await t.rejects(readStatus(fastify, undefined), { message: /with 503: too many open connections$/ });
});
