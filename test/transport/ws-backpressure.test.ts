import { setTimeout as sleep } from 'node:timers/promises';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import t from 'tap';
import type WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { EventsDropped } from '../../src/protocol/schemas.js';
import { build, listen } from '../fixtures/app.js';
import { type WsClient, connect } from '../fixtures/ws.js';

/** The daemon's side of the one socket open on `app`. */
function serverSocket(app: FastifyInstance): WebSocket {
  const [socket] = [...app.websocketServer.clients];
  if (socket === undefined) throw new Error('no socket open');
  return socket;
}

/** Waits (in real time, with a generous bound) until `check` holds; false if it never does. */
async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  for (const giveUpAt = Date.now() + ms; Date.now() < giveUpAt; await sleep(20)) if (check()) return true;
  return check();
}

/** Collects what a client receives from now on; take() returns what came since the last take, after a pause. */
function inbox(client: WsClient): { take(): Promise<Record<string, unknown>[]> } {
  let frames: Record<string, unknown>[] = [];
  client.socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  return {
    take: async () => {
      await sleep(300);
      const taken = frames;
      frames = [];
      return taken;
    },
  };
}

const longId = (i: number) => `server-${i}-`.padEnd(200, 'x');

t.test('a subscriber that never reads keeps buffers bounded and gets one events_dropped summary when it catches up', async (t) => {
  const budget = 64 * 1024;
  const { app, driver } = build(t, { limits: { wsEventBudgetBytes: budget } });
  const { ws } = await listen(app);
  const watcher = await connect(ws);
  t.teardown(() => watcher.socket.terminate());
  watcher.send({ type: 'subscribe', msg_id: 1 });
  t.equal((await watcher.next())['type'], 'subscribe_ok');
  watcher.socket.pause();
  const socket = serverSocket(app);
  // 60,000 server_alive events of about 260 bytes: 15 MB, more than loopback buffers hold.
  const events = 60_000;
  let maxBuffered = 0;
  for (let i = 0; i < events; i++) {
    driver.run((now) => driver.master.heartbeat(now, { server: longId(i) }));
    maxBuffered = Math.max(maxBuffered, socket.bufferedAmount);
    if (i % 500 === 0) await sleep(1);
  }
  t.ok(maxBuffered <= budget + 1024, `unsent bytes stay within the event budget (at most ${maxBuffered})`);
  watcher.socket.resume();
  const frames: Record<string, unknown>[] = [];
  let summary: Record<string, unknown> | undefined;
  while (summary === undefined && frames.length < events) {
    const frame = await watcher.next();
    if (frame['type'] === 'events_dropped') summary = frame;
    else frames.push(frame);
  }
  t.ok(frames.every((frame) => frame['type'] === 'server_alive'), 'events up to the budget were delivered in order');
  const dropped = (summary?.['count'] ?? 0) as number;
  t.ok(dropped > 0, `an events_dropped summary came, after ${frames.length} events`);
  t.equal(frames.length + dropped, events, 'every event was either delivered or counted');
  t.same(summary, { type: 'events_dropped', count: dropped, by_type: { server_alive: dropped }, first_at: 0, last_at: 0, msg_id: frames.length + 1 });
  t.ok(TypeCompiler.Compile(EventsDropped).Check(summary), 'the frame matches its published schema');
  driver.run((now) => driver.master.heartbeat(now, { server: 'after' }));
  t.match(await watcher.next(), { type: 'server_alive', server: 'after' }, 'events flow again once caught up');
});

t.test('a client that floods requests and never reads is closed with 1008 past the send budget', async (t) => {
  const { app, driver } = build(t, { limits: { wsSendBudgetBytes: 256 * 1024, rateLimitMax: 1_000_000 } });
  for (let i = 0; i < 500; i++) driver.run((now) => driver.master.heartbeat(now, { server: longId(i) }));
  const { ws } = await listen(app);
  const flooder = await connect(ws);
  t.teardown(() => flooder.socket.terminate());
  flooder.socket.pause();
  const socket = serverSocket(app);
  // Each server_status reply is about 130 kB: 300 of them would be 39 MB.
  for (let i = 0; i < 300; i++) flooder.send({ type: 'server_status', msg_id: i });
  t.ok(await eventually(() => socket.readyState !== socket.OPEN), 'the daemon closes the socket');
  t.ok(socket.bufferedAmount < 4 * 1024 * 1024, `and holds little of it (${socket.bufferedAmount} bytes unsent)`);
  const closed = new Promise<number>((resolve) => flooder.socket.once('close', (code) => resolve(code)));
  flooder.socket.resume();
  t.equal(await Promise.race([closed, sleep(10_000).then(() => 'still open')]), 1008);

  const other = await connect(ws);
  t.teardown(() => other.close());
  other.send({ type: 'heartbeat', msg_id: 1, server: 'cs1' });
  t.equal((await other.next())['type'], 'heartbeat_ok', 'other clients are served');
});

t.test('a flooding socket is throttled while another client\'s heartbeats are answered', async (t) => {
  const { app, clock } = build(t, { limits: { rateLimitMax: 50, rateLimitWindowMs: 1_000 } });
  const { ws } = await listen(app);
  const flooder = await connect(ws);
  const fleet = await connect(ws);
  t.teardown(() => {
    flooder.socket.terminate();
    fleet.socket.terminate();
  });
  const replies = inbox(flooder);
  // Both upgrades came from 127.0.0.1, the open daemon's one client: 48 of its 50 requests are left.
  for (let i = 0; i < 2_000; i++) flooder.send({ type: 'check_replication', msg_id: i });
  for (let i = 0; i < 20; i++) fleet.send({ type: 'heartbeat', msg_id: i, server: `cs${i}` });
  const beats = [];
  for (let i = 0; i < 20; i++) beats.push(await fleet.next());
  t.ok(beats.every((reply) => reply['type'] === 'heartbeat_ok'), 'every heartbeat of the other socket is answered');
  const first = await replies.take();
  t.equal(first.length, 48, 'the flooder gets its budget, then nothing: it is no longer read');
  t.ok(first.every((reply) => reply['type'] === 'check_replication_ok'), 'throttled, not answered with errors');
  clock.advance(1_000);
  const second = await replies.take();
  t.equal(second.length, 50, 'a window later, one window\'s worth more');
  t.same(second.map((reply) => reply['in_reply_to']), Array.from({ length: 50 }, (_, i) => 48 + i), 'in order, none lost');
});

t.test('over a server\'s heartbeat budget, WebSocket heartbeats still count as liveness', async (t) => {
  // A long interval, so that the heartbeat budget is --rate-limit-max itself.
  const { app, clock, driver } = build(t, { core: { heartbeatIntervalMs: 600_000 }, limits: { rateLimitMax: 5 } });
  const { ws } = await listen(app);
  const client = await connect(ws);
  t.teardown(() => client.socket.terminate());
  const replies = inbox(client);
  for (let i = 0; i < 5; i++) client.send({ type: 'heartbeat', msg_id: i, server: 'cs1' });
  t.same((await replies.take()).map((reply) => reply['type']), Array(5).fill('heartbeat_ok'));
  clock.advance(1_000);
  for (let i = 5; i < 100; i++) client.send({ type: 'heartbeat', msg_id: i, server: 'cs1' });
  const refused = await replies.take();
  // The client had 4 requests left after its upgrade: that many errors, then the socket is throttled.
  t.equal(refused.length, 4);
  t.match(refused[0], { type: 'error', in_reply_to: 5, code: 11, text: /cs1.*liveness counted/ });
  const server = driver.master.server(clock.now(), 'cs1');
  t.equal(server?.lastHeartbeatMsAgo, 0, 'the refused heartbeats were liveness');
});

t.test('past the address threshold frames wait, then are all answered in order and reading resumes', async (t) => {
  const { app, clock } = build(t, { limits: { rateLimitAddressMax: 3, rateLimitWindowMs: 1_000 } });
  const { ws } = await listen(app);
  const client = await connect(ws);
  t.teardown(() => client.close());
  const replies = inbox(client);
  for (let i = 0; i < 4; i++) client.send({ type: 'chunk_locations', msg_id: i, chunk: 'ch_1' });
  client.send('not json');
  // The upgrade spent one of the address's three.
  t.same((await replies.take()).map((reply) => reply['in_reply_to']), [0, 1]);
  clock.advance(1_000);
  const rest = await replies.take();
  t.same(rest.map((reply) => [reply['type'], reply['in_reply_to']]), [['chunk_locations_ok', 2], ['chunk_locations_ok', 3], ['error', undefined]]);
  clock.advance(1_000);
  client.send({ type: 'chunk_locations', msg_id: 9, chunk: 'ch_1' });
  t.match(await replies.take(), [{ in_reply_to: 9 }], 'the socket is read again');
});

t.test('shutting down is prompt with a client that never reads or one that is throttled', async (t) => {
  const { app, driver } = build(t, { limits: { rateLimitMax: 1_000_000, rateLimitAddressMax: 200 } });
  for (let i = 0; i < 500; i++) driver.run((now) => driver.master.heartbeat(now, { server: longId(i) }));
  const { ws } = await listen(app);
  const stuck = await connect(ws);
  const throttled = await connect(ws);
  t.teardown(() => stuck.socket.terminate());
  stuck.socket.pause();
  for (let i = 0; i < 100; i++) stuck.send({ type: 'server_status', msg_id: i });
  t.ok(await eventually(() => [...app.websocketServer.clients].some((socket) => socket.bufferedAmount > 0)), 'a backlog builds up');
  // Over the address threshold: the daemon stops reading this socket.
  for (let i = 0; i < 1_000; i++) throttled.send({ type: 'heartbeat', msg_id: i, server: `cs${i}` });
  const throttledClosed = new Promise<number>((resolve) => throttled.socket.once('close', (code) => resolve(code)));
  const started = Date.now();
  await app.close();
  t.ok(Date.now() - started < 10_000, `closed in ${Date.now() - started} ms, not after ws's 30 s close timeout`);
  t.equal(await throttledClosed, 1005, 'the throttled client read the close frame and answered it');
});
