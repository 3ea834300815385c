import { PassThrough, Writable } from 'node:stream';
import t from 'tap';
import { Master } from '../../src/core/index.js';
import { CoreDriver } from '../../src/runtime/driver.js';
import { createLogger } from '../../src/runtime/logger.js';
import { StdioNode } from '../../src/transport/stdio.js';
import { FakeClock } from '../fixtures/clock.js';
import { stdioHarness } from '../fixtures/stdio-node.js';

/** An envelope line whose chunk handle ends in raw `tail` bytes (invalid UTF-8 for 0xff, 0xfe). */
function heartbeatWithBytes(src: string, msgId: number, tail: number[]): Buffer {
  const [before, after] = JSON.stringify({ src, dest: 'n1', body: { type: 'heartbeat', msg_id: msgId, chunks: ['k@'] } }).split('@') as [string, string];
  return Buffer.concat([Buffer.from(before), Buffer.from(tail), Buffer.from(after)]);
}

const chunkLocations = (msgId: number, chunk: string) =>
  JSON.stringify({ src: 'op', dest: 'n1', body: { type: 'chunk_locations', msg_id: msgId, chunk } });

t.test('a line that is not UTF-8 gets error 12 and applies nothing: k\\xff and k\\xfe stay apart', async (t) => {
  const h = stdioHarness();
  h.input.write(Buffer.concat([heartbeatWithBytes('cs1', 1, [0xff]), Buffer.from('\n')]));
  h.input.write(Buffer.concat([heartbeatWithBytes('cs2', 2, [0xfe]), Buffer.from('\r\n')]));
  h.input.end(`${chunkLocations(3, 'k\ufffd')}\n`);
  await h.done;
  const replies = h.out.map((line) => JSON.parse(line) as { dest: string; body: Record<string, unknown> });
  t.same(replies.map((r) => [r.dest, r.body['type'], r.body['in_reply_to'], r.body['code']]), [
    ['cs1', 'error', 1, 12],
    ['cs2', 'error', 2, 12],
    ['op', 'chunk_locations_ok', 3, undefined],
  ]);
  t.match(replies[0]?.body['text'], /UTF-8/);
  t.same(replies[2]?.body['servers'], [], 'no server registered the U+FFFD handle');
  t.same(h.driver.run((now) => h.driver.master.serverStatus(now)), [], 'neither heartbeat registered its server');
});

t.test('valid lines around an invalid one are answered in order, whatever the line breaks', async (t) => {
  const h = stdioHarness();
  const ok = (msgId: number) => chunkLocations(msgId, 'ch_é🧩');
  const bad = heartbeatWithBytes('cs1', 2, [0xc3]); // a lead byte with nothing after it
  h.input.end(Buffer.concat([Buffer.from(`${ok(1)}\r\n`), bad, Buffer.from(`\r${ok(3)}\r\n\n${ok(4)}`)]));
  await h.done;
  const replies = h.out.map((line) => JSON.parse(line).body as Record<string, unknown>);
  t.same(replies.map((r) => [r['type'], r['in_reply_to']]), [
    ['chunk_locations_ok', 1],
    ['error', 2],
    ['chunk_locations_ok', 3],
    ['chunk_locations_ok', 4],
  ]);
  t.equal(replies[0]?.['chunk'], 'ch_é🧩');
});

t.test('an invalid line that is not an envelope, or is a reply, is skipped like any other', async (t) => {
  const h = stdioHarness();
  const reply = Buffer.concat([Buffer.from('{"src": "c1", "dest": "n1", "body": {"type": "init_ok", "in_reply_to": 1, "x": "'), Buffer.from([0xff]), Buffer.from('"}}\n')]);
  h.input.end(Buffer.concat([Buffer.from([0xff, 0x0a]), reply, Buffer.from('[1, "'), Buffer.from([0xfe]), Buffer.from('"]\n')]));
  await h.done;
  t.same(h.out, []);
  t.same(h.logs.map((l) => l['msg']), ['skipped a line that is not JSON', 'skipped a line that is not an envelope {src, dest, body}']);
});

t.test('an invalid byte split from its line across chunks is still caught', async (t) => {
  const h = stdioHarness();
  const line = Buffer.concat([heartbeatWithBytes('cs1', 1, [0xe2, 0x82]), Buffer.from('\n')]);
  for (let at = 0; at < line.length; at += 5) h.input.write(line.subarray(at, at + 5));
  h.input.end();
  await h.done;
  t.equal(JSON.parse(h.out[0] as string).body.code, 12);
});

/** A stdout that accepts `room` bytes, then refuses until the test lets it drain. */
class SlowReader extends Writable {
  readonly lines: string[] = [];
  private pending: (() => void)[] = [];

  constructor(room: number) {
    super({ highWaterMark: room, decodeStrings: false });
  }

  override _write(chunk: string, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(chunk);
    this.pending.push(callback);
  }

  /** Reads everything written so far. */
  release(): void {
    const callbacks = this.pending;
    this.pending = [];
    for (const callback of callbacks) callback();
  }
}

t.test('stdio honours stdout back-pressure: stdin is not read while stdout is full', async (t) => {
  const clock = new FakeClock(0);
  const driver = new CoreDriver(new Master(clock.now()), clock);
  t.teardown(() => driver.close());
  const out = new SlowReader(1);
  const node = new StdioNode(driver, out, createLogger('silent'), 0); // no budget: wait at the first refused write
  const input = new PassThrough();
  const requests = Array.from({ length: 50 }, (_, i) => `${chunkLocations(i, `ch_${i}`)}\n`).join('');
  let done = false;
  const running = node.run(input).then(() => (done = true));
  input.end(requests);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(out.lines.length, 1, 'one reply written, then the node waits for drain');
  t.equal(input.isPaused(), true, 'stdin is paused');
  t.equal(out.writableLength, out.lines[0]?.length, 'no other reply waits in memory');
  t.equal(done, false, 'the node is not done while lines wait');
  for (let round = 0; round < 200 && !done; round++) {
    out.release();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await running;
  t.equal(out.lines.length, 50, 'every line was answered once stdout drained');
  t.same(out.lines.map((line) => JSON.parse(line).body.in_reply_to), Array.from({ length: 50 }, (_, i) => i), 'in order');
});

t.test('a sink that cannot say it is full (no once) is written to without pausing', async (t) => {
  const clock = new FakeClock(0);
  const driver = new CoreDriver(new Master(clock.now()), clock);
  t.teardown(() => driver.close());
  const lines: string[] = [];
  const node = new StdioNode(driver, { write: (line: string) => (lines.push(line), false) }, createLogger('silent'), 0);
  const input = new PassThrough();
  input.end(`${chunkLocations(1, 'a')}\n${chunkLocations(2, 'b')}\n`);
  await node.run(input);
  t.equal(lines.length, 2);
});

t.test('a sink that says it needs a drain but not how full it is never stalls the node', async (t) => {
  const clock = new FakeClock(0);
  const driver = new CoreDriver(new Master(clock.now()), clock);
  t.teardown(() => driver.close());
  const lines: string[] = [];
  const sink = { write: (line: string) => lines.push(line), once: () => sink, writableNeedDrain: true };
  const input = new PassThrough();
  input.end(`${chunkLocations(1, 'a')}\n${chunkLocations(2, 'b')}\n`);
  await new StdioNode(driver, sink, createLogger('silent'), 0).run(input);
  t.equal(lines.length, 2);
});
