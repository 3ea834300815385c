import { connect as tcpConnect } from 'node:net';
import t from 'tap';
import { build, listen } from '../../fixtures/app.js';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` as is on a fresh TCP connection; resolves with the response once the daemon ends it. */
function rawRequest(port: number, head: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [top = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = top.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

const upgrade = (headers: string) => `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${headers}\r\n`;

t.test('a plain GET /ws gets a JSON 426, not an empty 404', async (t) => {
  const { app } = build(t);
  const res = await app.inject({ url: '/ws' });
  t.equal(res.statusCode, 426);
  t.match(res.headers['content-type'], /application\/json/);
  t.equal(res.headers['upgrade'], 'websocket');
  t.same(res.json(), { statusCode: 426, error: 'Upgrade Required', message: 'GET /ws is a WebSocket endpoint: send an Upgrade: websocket request' });
});

t.test('a bad WebSocket handshake gets a JSON 400, not ws\'s plain text', async (t) => {
  const { app } = build(t);
  const { http } = await listen(app);
  const port = Number(new URL(http).port);
  const cases = [
    { headers: 'Sec-WebSocket-Version: 13\r\n', message: 'Missing or invalid Sec-WebSocket-Key header' },
    { headers: 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n', message: 'Missing or invalid Sec-WebSocket-Key header' },
    { headers: 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n', message: 'Missing or invalid Sec-WebSocket-Version header' },
  ];
  for (const { headers, message } of cases) {
    const res = await rawRequest(port, upgrade(headers));
    t.equal(res.status, 400, message);
    t.match(res.headers['content-type'], /application\/json/);
    t.same(JSON.parse(res.body), { statusCode: 400, error: 'Bad Request', message });
    t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
  }
  const version = await rawRequest(port, upgrade('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n'));
  t.equal(version.headers['sec-websocket-version'], '13, 8', 'says which versions it speaks');
  const limited = build(t, { limits: { rateLimitMax: 1 } }).app;
  const limitedPort = Number(new URL((await listen(limited)).http).port);
  const key = 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
  await rawRequest(limitedPort, `GET /servers HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const refused = await rawRequest(limitedPort, upgrade(key));
  t.equal(refused.status, 429, 'an upgrade over its client\'s budget');
  t.match(JSON.parse(refused.body), { statusCode: 429, error: 'Too Many Requests' });
});
