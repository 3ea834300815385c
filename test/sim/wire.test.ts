import t from 'tap';
import { newServer } from '../../src/sim/servers.js';
import { heartbeatBody, overTheWire } from '../../src/sim/wire.js';

t.test('heartbeats go on the wire in contract order; replies are read back from it', async (t) => {
  const server = newServer('cs7', 10);
  server.health = 'degraded';
  t.equal(JSON.stringify(heartbeatBody(server, 12.5, { chunks: ['a'] })), '{"type":"heartbeat","msg_id":0,"server":"cs7","chunks":["a"],"disk_usage_pct":12.5,"health":"degraded"}');
  t.equal(JSON.stringify(heartbeatBody(server, 1, {})), '{"type":"heartbeat","msg_id":1,"server":"cs7","disk_usage_pct":1,"health":"degraded"}');
  t.equal(
    JSON.stringify(heartbeatBody(server, 2, { chunks: ['b'], report: { id: 'r', part: 1, parts: 2 } })),
    '{"type":"heartbeat","msg_id":2,"server":"cs7","chunks":["b"],"report":{"id":"r","part":1,"parts":2},"disk_usage_pct":2,"health":"degraded"}',
  );
  t.equal(
    JSON.stringify(heartbeatBody(server, 3, { added: ['c'], removed: ['d'] })),
    '{"type":"heartbeat","msg_id":3,"server":"cs7","chunks_added":["c"],"chunks_removed":["d"],"disk_usage_pct":3,"health":"degraded"}',
  );
  const ok = overTheWire({ type: 'heartbeat_ok', in_reply_to: 1, status: 'alive', chunks_to_delete: undefined }, 1);
  t.same(ok, { text: '{"type":"heartbeat_ok","in_reply_to":1,"status":"alive"}', reply: { type: 'heartbeat_ok', in_reply_to: 1, status: 'alive' } });
  t.equal(overTheWire({ type: 'heartbeat_ok', in_reply_to: 1, status: 'alive' }, 2).reply, undefined, 'a reply to another message');
  t.equal(overTheWire({ type: 'error', in_reply_to: 1, code: 12, text: 'no' }, 1).reply, undefined, 'an error');
  t.same(overTheWire(undefined, 1), { text: 'null', reply: undefined }, 'no reply at all');
});
