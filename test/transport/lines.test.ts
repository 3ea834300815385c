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

t.test('a long bad line is logged shortened', async (t) => {
  const h = stdioHarness();
  h.input.end('x'.repeat(1000));
  await h.done;
  t.match(h.logs[0]?.['line'], /^x{200}\.\.\. \(1000 chars\)$/);
});

