import t from 'tap';
import { stdioHarness } from '../fixtures/stdio-node.js';

const init = '{"src": "c0", "dest": "n1", "body": {"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1"]}}';
const heartbeat = (server: string, msgId: number) =>
  JSON.stringify({ src: server, dest: 'n1', body: { type: 'heartbeat', msg_id: msgId, chunks: ['a'] } });

t.test('splits lines on \\n, \\r\\n and a lone \\r, across chunk boundaries', async (t) => {
  const h = stdioHarness();
  const text = `${init}\r\n${heartbeat('cs1', 2)}\r${heartbeat('cs2', 3)}\n\n   \n${heartbeat('cs3', 4)}`;
  // Feed in 7-byte pieces so breaks (and \r\n pairs) fall across chunks.
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += 7) h.input.write(bytes.subarray(at, at + 7));
  h.input.end();
  await h.done;
  t.equal(h.out.length, 4, 'one reply per non-blank line, the last one without a trailing newline too');
  t.match(h.out[0], /^\{"src": "n1", "dest": "c0", "body": \{"type": "init_ok", "in_reply_to": 1, "msg_id": 0\}\}$/);
  for (const [i, server] of ['cs1', 'cs2', 'cs3'].entries()) {
    t.equal(JSON.parse(h.out[i + 1] as string).dest, server);
    t.equal(JSON.parse(h.out[i + 1] as string).body.msg_id, i + 1, 'msg_id counts every message sent');
  }
});

t.test('a multi-byte character split across chunks survives', async (t) => {
  const h = stdioHarness();
  const line = JSON.stringify({ src: 'c1', dest: 'n1', body: { type: 'chunk_locations', msg_id: 5, chunk: 'ch_é🧩' } });
  const bytes = Buffer.from(`${line}\n`);
  const at = bytes.indexOf(Buffer.from('🧩')) + 2;
  h.input.write(bytes.subarray(0, at));
  h.input.end(bytes.subarray(at));
  await h.done;
  t.same(h.out, ['{"src": "n1", "dest": "c1", "body": {"type": "chunk_locations_ok", "in_reply_to": 5, "chunk": "ch_\\u00e9\\ud83e\\udde9", "servers": [], "msg_id": 0}}']);
});

t.test('skips and logs lines that are not JSON envelopes, answers the rest', async (t) => {
  const h = stdioHarness();
  h.input.end(['not json', '[1, 2]', '{"src": "a", "dest": "n1", "body": [1]}', '{"src": 1, "dest": "n1", "body": {}}', heartbeat('cs1', 9)].join('\n'));
  await h.done;
  t.equal(h.out.length, 1, 'only the heartbeat is answered');
  const warnings = h.logs.filter((entry) => entry['level'] === 40).map((entry) => entry['msg']);
  t.same(warnings, [
    'skipped a line that is not JSON',
    'skipped a line that is not an envelope {src, dest, body}',
    'skipped a line that is not an envelope {src, dest, body}',
    'skipped a line that is not an envelope {src, dest, body}',
  ]);
});

t.test('a long bad line is logged shortened', async (t) => {
  const h = stdioHarness();
  h.input.end('x'.repeat(1000));
  await h.done;
  t.match(h.logs[0]?.['line'], /^x{200}\.\.\. \(1000 chars\)$/);
});

t.test('replies are never answered; errors carry Maelstrom codes', async (t) => {
  const h = stdioHarness();
  const lines = [
    '{"src": "c1", "dest": "n1", "body": {"type": "heartbeat_ok", "in_reply_to": 3}}',
    '{"src": "c1", "dest": "n1", "body": {"type": "bogus", "msg_id": 4}}',
    '{"src": "c1", "dest": "n1", "body": {"type": "heartbeat", "msg_id": 5, "chunks": [""]}}',
  ];
  h.input.end(lines.join('\n') + '\n');
  await h.done;
  t.equal(h.out.length, 2);
  const [unknown, malformed] = h.out.map((line) => JSON.parse(line).body);
  t.match(unknown, { type: 'error', in_reply_to: 4, code: 10 });
  t.match(malformed, { type: 'error', in_reply_to: 5, code: 12, text: /chunks\/0/ });
});

t.test('replies come from the node id set by init, or from the request dest before it', async (t) => {
  const h = stdioHarness();
  h.input.write(`${heartbeat('cs1', 1)}\n`);
  h.input.end(`${init.replace('"node_id": "n1"', '"node_id": "n7"')}\n${heartbeat('cs1', 2)}\n`);
  await h.done;
  // init_ok already comes from the id it assigns.
  t.same(h.out.map((line) => JSON.parse(line).src), ['n1', 'n7', 'n7']);
});
