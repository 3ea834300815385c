import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { build, listen } from '../../fixtures/app.js';
import { openSocket, rawRequest, responseReader, timeUntilClosed } from '../../fixtures/raw-http.js';

const HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
const HEALTHZ_THEN_CLOSE = 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

async function portOf(app: Parameters<typeof listen>[0]): Promise<number> {
  return Number(new URL((await listen(app)).http).port);
}

t.test('a socket that never sends a byte is closed within --connection-timeout-ms', async (t) => {
  const { app } = build(t, { limits: { connectionTimeoutMs: 300 } });
  const port = await portOf(app);
  const silent = await openSocket(port);
  const halfRequest = await openSocket(port);
  halfRequest.write('GET /healthz HTTP/1.1\r\n');
  // Generous: the point is that they close at all (Node's request-timeout check never looks at them).
  const [silentMs, halfMs] = await Promise.all([timeUntilClosed(silent), timeUntilClosed(halfRequest)]);
  t.ok(silentMs < 5000, `silent socket closed after ${Math.round(silentMs)} ms`);
  t.ok(halfMs < 5000, `half-sent request closed after ${Math.round(halfMs)} ms`);
});

t.test('keep-alive outlives the connection timeout for a client that keeps heartbeating', async (t) => {
  const { app } = build(t, { limits: { connectionTimeoutMs: 200, keepAliveTimeoutMs: 5000 } });
  const socket = await openSocket(await portOf(app));
  t.teardown(() => socket.destroy());
  const next = responseReader(socket);
  for (let beat = 0; beat < 3; beat++) {
    const body = JSON.stringify({ server: 'cs1', chunks: ['a'] });
    socket.write(`POST /heartbeat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const res = await next();
    t.equal(res.status, 200, `heartbeat ${beat} on the same connection`);
    await sleep(500); // longer than the connection timeout, shorter than keep-alive
  }
  t.equal(socket.destroyed, false, 'still open');
});

t.test('past --max-connections a new connection gets a JSON 503 and is closed; a freed slot is reused', async (t) => {
  const { app } = build(t, { limits: { maxConnections: 2 } });
  const port = await portOf(app);
  const held = await Promise.all([openSocket(port), openSocket(port)]);
  t.teardown(() => held.forEach((socket) => socket.destroy()));
  for (const socket of held) {
    socket.write(HEALTHZ);
    t.equal((await responseReader(socket)()).status, 200, 'within the cap');
  }
  const refused = await rawRequest(port, HEALTHZ_THEN_CLOSE);
  t.equal(refused.status, 503);
  t.match(refused.headers['content-type'], /^application\/json/);
  t.equal(refused.headers['connection'], 'close');
  t.match(JSON.parse(refused.body), { statusCode: 503, error: 'Service Unavailable', message: /max 2/ });

  const gone = timeUntilClosed(held[0]!);
  held[0]!.destroy();
  await gone;
  let status = 0;
  for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
    status = (await rawRequest(port, HEALTHZ_THEN_CLOSE)).status;
    if (status !== 200) await sleep(20);
  }
  t.equal(status, 200, 'a slot freed by a closed connection is given to the next one');
});
