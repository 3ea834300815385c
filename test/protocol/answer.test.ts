import t from 'tap';
import { Master } from '../../src/core/index.js';
import { answer } from '../../src/protocol/dispatch.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { decodeRequest, isRequestType } from '../../src/protocol/validate.js';

function fresh(): Master {
  const master = new Master(0);
  master.heartbeat(0, { server: 'cs1', chunks: ['a'], diskUsagePct: 12.5 });
  master.heartbeat(0, { server: 'cs2', chunks: ['a', 'b'] });
  return master;
}

t.test('answers every request type with fields in contract order', async (t) => {
  const master = fresh();
  t.same(Object.keys(answer(master, 0, { type: 'init', msg_id: 1, node_id: 'n1', node_ids: ['n1'] }) ?? {}), ['type', 'in_reply_to']);
  t.same(answer(master, 2000, { type: 'server_status', msg_id: 2 }), {
    type: 'server_status_ok',
    in_reply_to: 2,
    servers: [
      { server: 'cs1', status: 'alive', chunks: 1, last_heartbeat_ms_ago: 2000 },
      { server: 'cs2', status: 'alive', chunks: 2, last_heartbeat_ms_ago: 2000 },
    ],
  });
  const verbose = answer(master, 6000, { type: 'server_status', msg_id: 3, verbose: true }) as { servers: Record<string, unknown>[] };
  t.same(Object.keys(verbose.servers[0] ?? {}), ['server', 'status', 'chunks', 'last_heartbeat_ms_ago', 'disk_usage_pct', 'health', 'missed_heartbeats']);
  t.match(verbose.servers, [{ disk_usage_pct: 12.5, health: 'healthy', missed_heartbeats: 1 }, { disk_usage_pct: null }]);
  t.same(answer(master, 0, { type: 'chunk_locations', msg_id: 4, chunk: 'a' }), { type: 'chunk_locations_ok', in_reply_to: 4, chunk: 'a', servers: ['cs1', 'cs2'] });
  master.heartbeat(0, { server: 'cs3' });
  const check = answer(master, 0, { type: 'check_replication', msg_id: 5 }) as { under_replicated: unknown[] };
  t.same(check.under_replicated, [
    { chunk: 'b', current_rf: 1, target_rf: 3, priority: 'critical' },
    { chunk: 'a', current_rf: 2, target_rf: 3, priority: 'normal' },
  ]);
  t.same(answer(master, 0, { type: 'drain_server', msg_id: 6, server: 'cs2' }), { type: 'drain_server_ok', in_reply_to: 6, server: 'cs2', status: 'draining' });
});

t.test('a heartbeat leaves empty instruction lists out and falls back to the envelope src', async (t) => {
  const master = new Master(0);
  const reply = answer(master, 0, { type: 'heartbeat', msg_id: 7, chunks: ['x'], health: 'read_only' }, 'cs9');
  t.same(reply, { type: 'heartbeat_ok', in_reply_to: 7, status: 'alive', chunks_to_delete: undefined, chunks_to_replicate: undefined });
  t.same(master.chunkLocations(0, 'x'), ['cs9']);
  t.equal(master.server(0, 'cs9')?.health, 'read_only');
  const noServer = answer(master, 0, { type: 'heartbeat', msg_id: 8 });
  t.match(noServer, { type: 'error', in_reply_to: 8, code: 12, text: /server/ });
});

t.test('bad requests get errors naming the field and change nothing', async (t) => {
  const master = fresh();
  const cases: [Record<string, unknown>, number, RegExp][] = [
    [{ msg_id: 1 }, 12, /field "type": expected a string/],
    [{ type: 'launch', msg_id: 2 }, 10, /"launch" is not supported/],
    [{ type: 'heartbeat', msg_id: 3, server: 'cs1', health: 'great' }, 12, /field "health": expected one of "healthy", "degraded", "read_only"/],
    [{ type: 'heartbeat', msg_id: 4, server: 'cs1', chunks: ['a', 5] }, 12, /field "chunks\/1"/],
    [{ type: 'heartbeat', msg_id: 5, server: 'cs1', disk_usage_pct: 101 }, 12, /field "disk_usage_pct"/],
    [{ type: 'chunk_locations', msg_id: 6 }, 12, /field "chunk": required/],
    [{ type: 'drain_server', msg_id: 7, server: 'nobody' }, 20, /unknown server "nobody"/],
  ];
  for (const [body, code, text] of cases) {
    t.match(answer(master, 0, body), { type: 'error', in_reply_to: body['msg_id'], code, text }, JSON.stringify(body));
  }
  t.equal(master.server(0, 'cs1')?.health, 'healthy', 'the rejected heartbeat changed nothing');
  t.equal(master.server(0, 'cs1')?.chunks, 1);
  t.same(answer(master, 0, { type: 'bogus', msg_id: -1 }), { type: 'error', in_reply_to: undefined, code: 10, text: 'message type "bogus" is not supported' }, 'a bad msg_id is not echoed');
});

t.test('bodies that are replies are not answered; other failures propagate', async (t) => {
  const master = fresh();
  t.equal(answer(master, 0, { type: 'heartbeat_ok', in_reply_to: 1 }), undefined);
  const broken = new Proxy({ type: 'init' }, { get: () => { throw new RangeError('boom'); } });
  t.throws(() => answer(master, 0, broken), RangeError);
});

t.test('the validator knows its request types', async (t) => {
  t.ok(isRequestType('heartbeat'));
  t.notOk(isRequestType('heartbeat_ok'));
  t.throws(() => decodeRequest({ type: 'nope' }), ProtocolError);
  const error = new ProtocolError('TEMPORARILY_UNAVAILABLE', 'later');
  t.match(error, { code: 11, http: 503, kind: 'TEMPORARILY_UNAVAILABLE', message: 'later', name: 'ProtocolError' });
});
