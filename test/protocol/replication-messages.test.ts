import t from 'tap';
import { Master } from '../../src/core/index.js';
import { answer } from '../../src/protocol/dispatch.js';

function master(): Master {
  const m = new Master(0, { safeModeMs: 0 });
  m.heartbeat(0, { server: 'cs1', chunks: ['a', 'b'] });
  m.heartbeat(0, { server: 'cs2', chunks: ['a'] });
  return m;
}

t.test('check_replication lists under-replicated chunks in contract order', async (t) => {
  const m = master();
  m.heartbeat(0, { server: 'cs3', chunks: [] });
  const reply = answer(m, 0, { type: 'check_replication', msg_id: 4 });
  t.same(reply, {
    type: 'check_replication_ok',
    in_reply_to: 4,
    under_replicated: [
      { chunk: 'b', current_rf: 1, target_rf: 3, priority: 'critical' },
      { chunk: 'a', current_rf: 2, target_rf: 3, priority: 'normal' },
    ],
  });
  t.same(Object.keys((reply?.['under_replicated'] as object[])[0] as object), ['chunk', 'current_rf', 'target_rf', 'priority']);
});

t.test('drain_server drains a known server', async (t) => {
  const m = master();
  t.same(answer(m, 0, { type: 'drain_server', msg_id: 5, server: 'cs2' }), { type: 'drain_server_ok', in_reply_to: 5, server: 'cs2', status: 'draining' });
  const heartbeat = answer(m, 1000, { type: 'heartbeat', msg_id: 6, server: 'cs2' });
  t.equal(heartbeat?.['status'], 'draining');
});

const BAD: [string, Record<string, unknown>, number, RegExp][] = [
  ['drain_server without server', { type: 'drain_server', msg_id: 1 }, 12, /field "server": required/],
  ['drain_server with a number', { type: 'drain_server', msg_id: 1, server: 7 }, 12, /field "server"/],
  ['drain_server with an empty id', { type: 'drain_server', msg_id: 1, server: '' }, 12, /field "server"/],
  ['drain_server of an unknown server', { type: 'drain_server', msg_id: 1, server: 'nope' }, 20, /unknown server "nope"/],
  ['check_replication with a negative msg_id', { type: 'check_replication', msg_id: -1 }, 12, /field "msg_id"/],
  ['check_replication without msg_id', { type: 'check_replication' }, 12, /field "msg_id": required/],
  ['heartbeat with a bad health', { type: 'heartbeat', msg_id: 1, server: 'cs1', health: 'sick' }, 12, /field "health": expected one of/],
  ['heartbeat with disk over 100', { type: 'heartbeat', msg_id: 1, server: 'cs1', disk_usage_pct: 101 }, 12, /field "disk_usage_pct"/],
];

for (const [name, body, code, text] of BAD) {
  t.test(`${name} gets error ${code} and changes nothing`, async (t) => {
    const m = master();
    const before = JSON.stringify([m.serverStatus(0), m.replicationState(0)]);
    const reply = answer(m, 0, body);
    t.equal(reply?.['type'], 'error');
    t.equal(reply?.['code'], code);
    t.match(reply?.['text'] as string, text);
    t.equal(JSON.stringify([m.serverStatus(0), m.replicationState(0)]), before);
  });
}
