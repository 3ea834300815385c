import Fastify, { type FastifyRequest } from 'fastify';
import t from 'tap';
import WebSocket from 'ws';
import { parseJsonBody } from '../../../src/transport/http/strict.js';
import { build, listen } from '../../fixtures/app.js';
import { rawRequest } from '../../fixtures/raw-http.js';

const json = { 'content-type': 'application/json' };
const withByte = (server: string, byte: number) =>
  Buffer.concat([Buffer.from(`{"server": "${server}", "chunks": ["k`), Buffer.from([byte]), Buffer.from('"]}')]);

t.test('a body that is not UTF-8 gets a JSON 400: k\\xff and k\\xfe are not one handle', async (t) => {
  const { app } = build(t);
  for (const [server, byte] of [['cs1', 0xff], ['cs2', 0xfe]] as const) {
    const res = await app.inject({ method: 'POST', url: '/heartbeat', headers: json, payload: withByte(server, byte) });
    t.equal(res.statusCode, 400, server);
    t.same(res.json(), { statusCode: 400, error: 'Bad Request', message: 'body is not valid UTF-8' });
  }
  t.same((await app.inject({ url: '/servers' })).json().servers, [], 'nothing registered');
  t.same((await app.inject({ url: `/chunks/${encodeURIComponent('k\ufffd')}` })).json().servers, []);
});

t.test('valid UTF-8, escapes and a byte-order mark are read as before', async (t) => {
  const { app } = build(t);
  const bodies = [
    Buffer.from(JSON.stringify({ server: 'cs1', chunks: ['ch_é🧩'] })),
    Buffer.from('{"server": "cs2", "chunks": ["ch_\\u00e9\\ud83e\\udde9"]}'),
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"server": "cs3", "chunks": ["ch_é🧩"]}')]),
  ];
  for (const payload of bodies) {
    t.equal((await app.inject({ method: 'POST', url: '/heartbeat', headers: json, payload })).statusCode, 200);
  }
  t.same((await app.inject({ url: `/chunks/${encodeURIComponent('ch_é🧩')}` })).json().servers, ['cs1', 'cs2', 'cs3']);
});

t.test('the body parser refuses exactly the prototype poisoning Fastify refuses', async (t) => {
  const { app } = build(t);
  const fastifyDefault = Fastify();
  fastifyDefault.post('/heartbeat', async () => ({ ok: true }));
  t.teardown(() => fastifyDefault.close());
  const cases: [string, number][] = [
    ['{"server": "cs1", "__proto__": {"polluted": 1}}', 400],
    ['{"server": "cs1", "\\u005f_proto__": {"polluted": 1}}', 400],
    ['{"server": "cs1", "extra": [{"constructor": {"prototype": {"polluted": 1}}}]}', 400],
    ['{"server": "cs1", "nested": {"deeper": [null, 1, {"__proto__": {}}]}}', 400],
    ['{"server": "cs1", "constructor": {"prototype": null}}', 400],
    ['{"__proto__": 1, "server": "cs1"}', 400],
    ['  {"server": "cs1", "__proto__": []}', 400],
    ['{"server": "cs1", "constructor": "just a word"}', 200],
    ['{"server": "cs1", "constructor": null}', 200],
    ['{"server": "cs1", "constructor": {"name": "no prototype"}}', 200],
    ['{"server": "cs1", "extra": [[{"a": [null]}], {"b": {}}]}', 200],
    ['{"server": "constructor", "chunks": ["__proto__"]}', 200],
    ['{"server": "caf\\u00e9"}', 200],
    ['{"server": "cs1",', 400],
    ['', 400],
  ];
  for (const [payload, status] of cases) {
    const ours = await app.inject({ method: 'POST', url: '/heartbeat', headers: json, payload });
    const theirs = await fastifyDefault.inject({ method: 'POST', url: '/heartbeat', headers: json, payload });
    t.equal(ours.statusCode, status, payload);
    t.equal(theirs.statusCode, status, `Fastify's default parser agrees: ${payload}`);
    if (status === 400) t.equal(ours.json().message, theirs.json().message, 'with the same message');
  }
  t.equal(({} as Record<string, unknown>)['polluted'], undefined, 'no prototype was touched');
});

t.test('every HTTP error reply is JSON, Node-level ones included', async (t) => {
  const { app } = build(t, { limits: { bodyLimitBytes: 1024 } });
  const port = Number(new URL((await listen(app)).http).port);
  const close = 'Host: x\r\nConnection: close\r\n';
  const notUtf8 = withByte('cs1', 0xff);
  const cases: [string, string | Buffer, number][] = [
    ['no Host header', 'GET /healthz HTTP/1.1\r\n\r\n', 400],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400],
    ['headers past the size limit', `GET /healthz HTTP/1.1\r\n${close}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['an unknown route', `GET /nowhere HTTP/1.1\r\n${close}\r\n`, 404],
    ['a bad percent-encoding', `GET /servers/%zz HTTP/1.1\r\n${close}\r\n`, 400],
    ['an unsupported media type', `POST /heartbeat HTTP/1.1\r\n${close}Content-Type: application/xml\r\nContent-Length: 4\r\n\r\n<a/>`, 415],
    ['a body past the limit', `POST /heartbeat HTTP/1.1\r\n${close}Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n`, 413],
    ['an unknown expectation', `GET /healthz HTTP/1.1\r\n${close}Expect: a-miracle\r\n\r\n`, 417],
    ['a body that is not UTF-8', Buffer.concat([Buffer.from(`POST /heartbeat HTTP/1.1\r\n${close}Content-Type: application/json\r\nContent-Length: ${notUtf8.length}\r\n\r\n`), notUtf8]), 400],
  ];
  for (const [what, request, status] of cases) {
    const res = await rawRequest(port, request);
    t.equal(res.status, status, what);
    t.match(res.headers['content-type'], /^application\/json/, `${what}: JSON content type`);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    t.equal(body['statusCode'], status, `${what}: JSON body`);
    t.type(body['error'], 'string');
    t.type(body['message'], 'string');
  }
  const http10 = await rawRequest(port, 'GET /healthz HTTP/1.0\r\n\r\n');
  t.equal(http10.status, 200, 'HTTP/1.0 needs no Host');
});

t.test('WebSocket text frames that are not UTF-8 close the socket with 1007 and apply nothing', async (t) => {
  const { app } = build(t);
  const { ws } = await listen(app);
  const socket = new WebSocket(ws);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.send(withByte('cs1', 0xff), { binary: false });
  t.equal(await closed, 1007);
  t.same((await app.inject({ url: '/servers' })).json().servers, []);
});

t.test('any JSON value parses, a bare primitive or array included', async (t) => {
  for (const text of ['42', '"a string"', 'null', '[1, [2], "x"]', '{"constructor": 7}']) {
    const parsed = await new Promise((resolve, reject) => {
      parseJsonBody({} as FastifyRequest, Buffer.from(text), (error, value) => (error ? reject(error) : resolve(value)));
    });
    t.same(parsed, JSON.parse(text), text);
  }
});
