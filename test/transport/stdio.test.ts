import { Readable } from 'node:stream';
import t from 'tap';
import { Master } from '../../src/core/index.js';
import { CoreDriver } from '../../src/runtime/driver.js';
import { createLogger } from '../../src/runtime/logger.js';
import { StdioNode } from '../../src/transport/stdio.js';
import { BuggyMaster } from '../fixtures/buggy-master.js';
import { FakeClock } from '../fixtures/clock.js';

function setup(makeMaster = (now: number) => new Master(now)) {
  const clock = new FakeClock(0);
  const driver = new CoreDriver(makeMaster(clock.now()), clock);
  const lines: string[] = [];
  const warnings: unknown[] = [];
  const log = createLogger('silent');
  log.warn = ((obj: unknown) => void warnings.push(obj)) as typeof log.warn;
  const node = new StdioNode(driver, { write: (line: string) => lines.push(line) }, log);
  t.teardown(() => driver.close());
  return { clock, driver, node, lines, warnings };
}

const env = (src: string, body: object) => JSON.stringify({ src, dest: 'n1', body });
const INIT = env('c0', { type: 'init', msg_id: 1, node_id: 'n1', node_ids: ['n1'] });

t.test('numbers its messages from 0 and replies to the sender', async (t) => {
  const { node, lines } = setup();
  await node.run(Readable.from([INIT, '\n', env('cs1', { type: 'heartbeat', msg_id: 7 })].join('\n')));
  t.same(lines, [
    '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}\n',
    // A first heartbeat with no chunk list: the master asks for one (CONTRACT 9).
    '{"src": "n1", "dest": "cs1", "body": {"type": "heartbeat_ok", "in_reply_to": 7, "status": "alive", "full_report": true, "msg_id": 1}}\n',
  ]);
});

t.test('before init it answers as the envelope dest', async (t) => {
  const { node, lines } = setup();
  node.handleLine(JSON.stringify({ src: 'c1', dest: 'm9', body: { type: 'server_status', msg_id: 1 } }));
  t.same(lines, ['{"src": "m9", "dest": "c1", "body": {"type": "server_status_ok", "in_reply_to": 1, "servers": [], "msg_id": 0}}\n']);
});

t.test('skips and logs lines that are not envelopes, and keeps going', async (t) => {
  const { node, lines, warnings } = setup();
  for (const bad of ['not json', '[1,2]', '42', 'null', '{"src":"a","dest":"b"}', '{"src":"a","dest":"b","body":[1]}', '{"src":1,"dest":"b","body":{}}']) {
    node.handleLine(bad);
  }
  node.handleLine('x'.repeat(500));
  t.equal(lines.length, 0);
  t.equal(warnings.length, 8);
  node.handleLine(INIT);
  t.equal(lines.length, 1, 'still answers afterwards');
});

t.test('answers errors with the next msg_id and never answers replies', async (t) => {
  const { node, lines } = setup();
  node.handleLine(INIT);
  node.handleLine(env('c1', { type: 'frobnicate', msg_id: 2 }));
  node.handleLine(env('c1', { type: 'init_ok', in_reply_to: 5 }));
  node.handleLine(env('c1', { type: 'heartbeat', msg_id: 3, server: 'cs1', disk_usage_pct: 200 }));
  t.same(lines.slice(1), [
    '{"src": "n1", "dest": "c1", "body": {"type": "error", "in_reply_to": 2, "code": 10, "text": "message type \\"frobnicate\\" is not supported", "msg_id": 1}}\n',
    '{"src": "n1", "dest": "c1", "body": {"type": "error", "in_reply_to": 3, "code": 12, "text": "heartbeat: field \\"disk_usage_pct\\": expected number to be less or equal to 100", "msg_id": 2}}\n',
  ]);
});

t.test('escapes non-ASCII ids the way Python does', async (t) => {
  const { node, lines } = setup();
  node.handleLine(INIT);
  node.handleLine(env('c1', { type: 'heartbeat', msg_id: 2, server: 'sérvér-🚀', chunks: ['ch/1'] }));
  node.handleLine(env('c1', { type: 'server_status', msg_id: 3 }));
  t.equal(
    lines[2],
    '{"src": "n1", "dest": "c1", "body": {"type": "server_status_ok", "in_reply_to": 3, "servers": [{"server": "s\\u00e9rv\\u00e9r-\\ud83d\\ude80", "status": "alive", "chunks": 1, "last_heartbeat_ms_ago": 0}], "msg_id": 2}}\n',
  );
});

t.test('the driver marks servers dead on its timer, with no input', async (t) => {
  const clock = new FakeClock(0);
  const driver = new CoreDriver(new Master(0, { heartbeatIntervalMs: 10, deadAfterMissed: 2 }), clock);
  t.teardown(() => driver.close());
  const dead = new Promise<unknown>((resolve) => driver.onEvent((e) => e.type === 'server_dead' && resolve(e)));
  driver.run((now) => driver.master.heartbeat(now, { server: 'cs1' }));
  clock.advance(25);
  // The driver's timer is unref'd so it never holds a finished process; hold it here.
  const hold = setTimeout(() => undefined, 10_000);
  t.teardown(() => clearTimeout(hold));
  t.same(await dead, { type: 'server_dead', server: 'cs1', at: 20, lostReplicas: 0 });
});

t.test('an internal error answers 13 and the node keeps serving', async (t) => {
  const master = new BuggyMaster(0);
  const { node, lines } = setup(() => master);
  const errors: unknown[] = [];
  (node as unknown as { log: { error: (o: unknown) => void } }).log.error = (o: unknown) => void errors.push(o);
  node.handleLine(INIT);
  node.handleLine(env('c1', { type: 'server_status', msg_id: 2 }));
  master.fixed = true;
  node.handleLine(env('c1', { type: 'server_status', msg_id: 3 }));
  t.equal(errors.length, 1, 'the bug is logged once');
  t.same(lines.slice(1), [
    '{"src": "n1", "dest": "c1", "body": {"type": "error", "in_reply_to": 2, "code": 13, "text": "internal error; the message may not have been applied", "msg_id": 1}}\n',
    '{"src": "n1", "dest": "c1", "body": {"type": "server_status_ok", "in_reply_to": 3, "servers": [], "msg_id": 2}}\n',
  ]);
});
