import t from 'tap';
import { Master } from '../../src/core/index.js';
import { answer } from '../../src/protocol/dispatch.js';
import { HeartbeatFields } from '../../src/protocol/schemas.js';
import { build, listen } from '../fixtures/app.js';
import { stdioHarness } from '../fixtures/stdio-node.js';
import { connect } from '../fixtures/ws.js';

const NOW = 1000;
const MAX = HeartbeatFields.server.maxLength as number;
const beat = { type: 'heartbeat', msg_id: 1, chunks: ['a'] };

t.test('the envelope src used as the server id obeys the same limits as server', async (t) => {
  const master = new Master(NOW);
  const longest = 'x'.repeat(MAX);
  t.match(answer(master, NOW, beat, longest), { type: 'heartbeat_ok' }, `${MAX} units is the longest id`);
  for (const src of ['x'.repeat(MAX + 1), '🧩'.repeat(MAX / 2 + 1), 'x'.repeat(1_000_000)]) {
    const reply = answer(master, NOW, beat, src);
    t.match(reply, { type: 'error', in_reply_to: 1, code: 12, text: new RegExp(`src.*${MAX}`) }, `${src.length} UTF-16 units`);
  }
  t.match(answer(master, NOW, beat, ''), { type: 'error', code: 12, text: /"server": required/ });
  t.match(answer(master, NOW, beat), { type: 'error', code: 12, text: /"server": required/ });
  t.same(master.serverStatus(NOW).map((view) => view.server), [longest], 'only the valid id was registered');
  t.match(answer(master, NOW, { ...beat, server: 'cs1' }, 'x'.repeat(MAX + 1)), { type: 'heartbeat_ok' }, 'an explicit server wins over src');
});

t.test('over stdio and WebSocket a too-long src is refused with error 12', async (t) => {
  const src = 'x'.repeat(MAX + 1);
  const h = stdioHarness();
  h.input.end(`${JSON.stringify({ src, dest: 'n1', body: beat })}\n`);
  await h.done;
  t.match(JSON.parse(h.out[0] as string), { dest: src, body: { type: 'error', code: 12 } });
  t.same(h.driver.run((now) => h.driver.master.serverStatus(now)), []);

  const { app } = build(t);
  const client = await connect((await listen(app)).ws);
  t.teardown(() => client.close());
  client.send({ src, dest: 'n1', body: beat });
  t.match(await client.next(), { type: 'error', in_reply_to: 1, code: 12 });
  t.same((await app.inject({ url: '/servers' })).json().servers, []);
});
