import { join } from 'node:path';
import t from 'tap';
import { HttpTransport, WsTransport, authHeaders, readTokenFile } from '../../src/fleet/transport.js';
import { ConfigError } from '../../src/runtime/settings.js';
import { TokenStore, digestOf } from '../../src/runtime/tokens.js';
import { build, listen } from '../fixtures/app.js';

const report = { server: 'cs1', chunks: ['a'], disk_usage_pct: 10, health: 'healthy' as const };
const EMPTY_ANSWER = { status: 'alive', chunks_to_delete: [], chunks_to_replicate: [], full_report: false };
/** A first heartbeat with no list: the master asks for one. */
const ASKED_FOR_LIST = { ...EMPTY_ANSWER, full_report: true };

t.test('a token file holds one token, whitespace around it ignored; a bearer header carries it', async (t) => {
  const dir = t.testdir({ token: '  secret-token\n\n' });
  t.equal(await readTokenFile(join(dir, 'token')), 'secret-token');
  t.equal(await readTokenFile(undefined), undefined, 'no file, no token');
  await t.rejects(readTokenFile(join(dir, 'absent')), { name: 'ConfigError', message: /^--token-file .*absent: ENOENT/ });
  await t.rejects(readTokenFile(dir), ConfigError, 'a directory');
  t.same(authHeaders('x'), { authorization: 'Bearer x' });
  t.same(authHeaders(undefined), {});
});

t.test('both transports bring back the master\'s answer with every field, as HTTP sends it', async (t) => {
  const { app } = build(t);
  const { http } = await listen(app);
  const overHttp = new HttpTransport(http, 2);
  t.teardown(() => overHttp.close());
  t.same(await overHttp.send(report), EMPTY_ANSWER);
  const overWs = await WsTransport.connect(http, 2);
  t.teardown(() => overWs.close());
  const answers = await Promise.all([overWs.send(report), overWs.send({ server: 'cs2' }), overWs.send({ server: 'cs3' })]);
  t.same(answers, [EMPTY_ANSWER, ASKED_FOR_LIST, ASKED_FOR_LIST], 'the empty lists and the false full_report WebSocket leaves out are filled in, each reply matched to its request');
});

t.test('a refused heartbeat rejects, saying why', async (t) => {
  const { app } = build(t);
  const { http } = await listen(app);
  const bad = { server: 'x'.repeat(300) };
  const overHttp = new HttpTransport(http, 1);
  t.teardown(() => overHttp.close());
  await t.rejects(overHttp.send(bad), { message: /^HTTP 400: .*server/ });
  const overWs = await WsTransport.connect(http, 1);
  t.teardown(() => overWs.close());
  await t.rejects(overWs.send(bad), { message: /^error: .*server/ });
  t.same(await overWs.send(report), EMPTY_ANSWER, 'the socket keeps serving');
});

t.test('the token goes with every request; without the right one the master refuses', async (t) => {
  const tokens = TokenStore.parse(JSON.stringify({ operators: [digestOf('good')] }));
  const { app } = build(t, { tokens });
  const { http } = await listen(app);
  const good = new HttpTransport(http, 1, 'good');
  const wrong = new HttpTransport(http, 1, 'wrong');
  t.teardown(() => Promise.all([good.close(), wrong.close()]));
  t.same(await good.send(report), EMPTY_ANSWER);
  await t.rejects(wrong.send(report), { message: /^HTTP 401: / });
  const overWs = await WsTransport.connect(http, 1, 'good');
  t.teardown(() => overWs.close());
  t.same(await overWs.send(report), EMPTY_ANSWER);
  await t.rejects(WsTransport.connect(http, 1, 'wrong'), 'the upgrade is refused');
});
