import t from 'tap';
import WebSocket from 'ws';
import { TokenStore, createToken, digestOf } from '../../../src/runtime/tokens.js';
import { build, listen } from '../../fixtures/app.js';
import { upgradeStatus } from '../../fixtures/ws.js';

const operator = createToken();
const cs1 = createToken();
const tokens = TokenStore.parse(JSON.stringify({ servers: { cs1: digestOf(cs1) }, operators: [digestOf(operator)] }));

t.test('a browser WebSocket authenticates with the chunkmaster.bearer.TOKEN subprotocol, answered with plain chunkmaster', async (t) => {
  const { app } = build(t, { tokens });
  const { ws } = await listen(app);
  const socket = new WebSocket(ws, ['chunkmaster', `chunkmaster.bearer.${operator}`]);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  t.equal(socket.protocol, 'chunkmaster', 'the token is never echoed back');
  socket.send(JSON.stringify({ type: 'subscribe', msg_id: 1 }));
  const reply = await new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
  t.match(JSON.parse(reply), { type: 'subscribe_ok', in_reply_to: 1 });
  socket.close();

  t.equal(await upgradeStatus(ws), 401, 'no token at all');
  const offer = (protocols: string) => upgradeStatus(ws, { 'sec-websocket-protocol': protocols });
  t.equal(await offer('chunkmaster, chunkmaster.bearer.wrong'), 401, 'a wrong token');
  t.equal(await offer('chunkmaster, chunkmaster.bearer.'), 401, 'an empty one');
  t.equal(await offer(`chunkmaster, chunkmaster.bearer.${cs1}`), 403, "a chunk server's token");
  t.equal(
    await upgradeStatus(ws, { authorization: 'Bearer wrong', 'sec-websocket-protocol': `chunkmaster, chunkmaster.bearer.${operator}` }),
    401,
    'an Authorization header wins over the subprotocol',
  );
});

t.test('the subprotocol carries a token only on an upgrade: a plain request must use the header', async (t) => {
  const { app } = build(t, { tokens });
  const res = await app.inject({ url: '/servers', headers: { 'sec-websocket-protocol': `chunkmaster.bearer.${operator}` } });
  t.equal(res.statusCode, 401);
});

t.test('an open daemon selects chunkmaster for a browser that offers it', async (t) => {
  const { app } = build(t);
  const { ws } = await listen(app);
  const socket = new WebSocket(ws, ['chunkmaster']);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  t.equal(socket.protocol, 'chunkmaster');
  socket.close();
  const other = new WebSocket(ws, ['other']);
  const error = await new Promise<Error>((resolve) => other.once('error', resolve));
  t.match(error.message, /Server sent no subprotocol/, 'an unknown subprotocol alone is not selected');
});
