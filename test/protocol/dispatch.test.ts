import t from 'tap';
import { Master } from '../../src/core/index.js';
import { answer } from '../../src/protocol/dispatch.js';
import { BuggyMaster } from '../fixtures/buggy-master.js';

const NOW = 1000;

function fresh() {
  return new Master(NOW);
}

t.test('answers each request type', async (t) => {
  const master = fresh();
  t.same(answer(master, NOW, { type: 'init', msg_id: 1, node_id: 'n1', node_ids: ['n1'] }), { type: 'init_ok', in_reply_to: 1 });
  t.same(answer(master, NOW, { type: 'heartbeat', msg_id: 2, server: 'cs1', chunks: ['a'], disk_usage_pct: 45 }), {
    type: 'heartbeat_ok',
    in_reply_to: 2,
    status: 'alive',
    chunks_to_delete: undefined,
    chunks_to_replicate: undefined,
    full_report: undefined,
  });
  t.same(answer(master, NOW + 2000, { type: 'server_status', msg_id: 3 }), {
    type: 'server_status_ok',
    in_reply_to: 3,
    servers: [{ server: 'cs1', status: 'alive', chunks: 1, last_heartbeat_ms_ago: 2000 }],
  });
  const verbose = answer(master, NOW + 2000, { type: 'server_status', msg_id: 4, verbose: true });
  t.same(Object.keys((verbose?.['servers'] as object[])[0] as object), [
    'server', 'status', 'chunks', 'last_heartbeat_ms_ago', 'disk_usage_pct', 'health', 'missed_heartbeats',
  ], 'verbose fields follow the four basic ones, in contract order');
  t.same(answer(master, NOW, { type: 'chunk_locations', msg_id: 5, chunk: 'a' }), {
    type: 'chunk_locations_ok', in_reply_to: 5, chunk: 'a', servers: ['cs1'],
  });
  const check = answer(master, NOW, { type: 'check_replication', msg_id: 6 });
  t.same(check, {
    type: 'check_replication_ok', in_reply_to: 6,
    under_replicated: [],
  }, 'one live replica on the only eligible server is all that can be had');
  master.heartbeat(NOW, { server: 'cs2' });
  const short = answer(master, NOW, { type: 'check_replication', msg_id: 6 });
  t.same(short?.['under_replicated'], [{ chunk: 'a', current_rf: 1, target_rf: 3, priority: 'critical' }], 'a second server makes room for a copy');
  t.same(answer(master, NOW, { type: 'drain_server', msg_id: 7, server: 'cs1' }), {
    type: 'drain_server_ok', in_reply_to: 7, server: 'cs1', status: 'draining',
  });
});

t.test('forget_server forgets a dead server, which then registers anew', async (t) => {
  const master = fresh();
  master.heartbeat(NOW, { server: 'cs1', chunks: ['only-here'] });
  master.heartbeat(NOW, { server: 'cs2', chunks: [] });
  const later = NOW + 15_000;
  master.heartbeat(later, { server: 'cs2' });
  t.same(answer(master, later, { type: 'forget_server', msg_id: 3, server: 'cs1' }), { type: 'forget_server_ok', in_reply_to: 3, server: 'cs1' });
  t.same(master.serverStatus(later).map((v) => v.server), ['cs2']);
  t.same(master.chunkLocations(later, 'only-here'), []);
  t.equal(answer(master, later, { type: 'forget_server', msg_id: 4, server: 'cs1' })?.['code'], 20, 'forgotten once');
});

t.test('the envelope src stands in for a missing server', async (t) => {
  const master = fresh();
  const reply = answer(master, NOW, { type: 'heartbeat', msg_id: 1, chunks: ['x'] }, 'n2');
  t.equal(reply?.['type'], 'heartbeat_ok');
  t.same(master.chunkLocations(NOW, 'x'), ['n2']);
});

t.test('replies are never answered', async (t) => {
  t.equal(answer(fresh(), NOW, { type: 'heartbeat_ok', in_reply_to: 3 }), undefined);
});

interface ErrorCase {
  name: string;
  body: Record<string, unknown>;
  code: number;
  text: RegExp;
  inReplyTo?: number | undefined;
  src?: string;
}

const ERROR_CASES: ErrorCase[] = [
  { name: 'unknown type', body: { type: 'gossip', msg_id: 1 }, code: 10, text: /"gossip" is not supported/, inReplyTo: 1 },
  { name: 'type missing', body: { msg_id: 1 }, code: 12, text: /field "type": expected a string/, inReplyTo: 1 },
  { name: 'type not a string', body: { type: 7, msg_id: 1 }, code: 12, text: /field "type"/, inReplyTo: 1 },
  { name: 'msg_id missing', body: { type: 'server_status' }, code: 12, text: /field "msg_id": required/, inReplyTo: undefined },
  { name: 'msg_id negative', body: { type: 'server_status', msg_id: -1 }, code: 12, text: /field "msg_id"/, inReplyTo: undefined },
  { name: 'server empty', body: { type: 'heartbeat', msg_id: 2, server: '' }, code: 12, text: /field "server": expected string length greater or equal to 1/, inReplyTo: 2 },
  { name: 'server too long', body: { type: 'heartbeat', msg_id: 2, server: 'x'.repeat(257) }, code: 12, text: /field "server": expected string length less or equal to 256/, inReplyTo: 2 },
  { name: 'server not a string', body: { type: 'heartbeat', msg_id: 2, server: 5 }, code: 12, text: /field "server": expected string/, inReplyTo: 2 },
  { name: 'server missing without src', body: { type: 'heartbeat', msg_id: 2 }, code: 12, text: /field "server": required/, inReplyTo: 2 },
  { name: 'chunks not an array', body: { type: 'heartbeat', msg_id: 3, server: 's', chunks: 'ch_1' }, code: 12, text: /field "chunks": expected array/, inReplyTo: 3 },
  { name: 'chunk handle empty', body: { type: 'heartbeat', msg_id: 3, server: 's', chunks: ['a', ''] }, code: 12, text: /field "chunks\/1"/, inReplyTo: 3 },
  { name: 'chunk handle not a string', body: { type: 'heartbeat', msg_id: 3, server: 's', chunks: [1] }, code: 12, text: /field "chunks\/0": expected string/, inReplyTo: 3 },
  { name: 'disk above 100', body: { type: 'heartbeat', msg_id: 4, server: 's', disk_usage_pct: 101 }, code: 12, text: /field "disk_usage_pct": expected number to be less or equal to 100/, inReplyTo: 4 },
  { name: 'disk negative', body: { type: 'heartbeat', msg_id: 4, server: 's', disk_usage_pct: -1 }, code: 12, text: /field "disk_usage_pct"/, inReplyTo: 4 },
  { name: 'disk not a number', body: { type: 'heartbeat', msg_id: 4, server: 's', disk_usage_pct: '45' }, code: 12, text: /field "disk_usage_pct": expected number/, inReplyTo: 4 },
  { name: 'health unknown', body: { type: 'heartbeat', msg_id: 5, server: 's', health: 'sick' }, code: 12, text: /field "health": expected one of "healthy", "degraded", "read_only"/, inReplyTo: 5 },
  { name: 'verbose not boolean', body: { type: 'server_status', msg_id: 6, verbose: 'yes' }, code: 12, text: /field "verbose": expected boolean/, inReplyTo: 6 },
  { name: 'chunk missing', body: { type: 'chunk_locations', msg_id: 7 }, code: 12, text: /field "chunk": required/, inReplyTo: 7 },
  { name: 'init node_ids wrong', body: { type: 'init', msg_id: 8, node_id: 'n1', node_ids: 'n1' }, code: 12, text: /field "node_ids"/, inReplyTo: 8 },
  { name: 'drain unknown server', body: { type: 'drain_server', msg_id: 9, server: 'ghost' }, code: 20, text: /unknown server "ghost"/, inReplyTo: 9 },
  { name: 'drain without server', body: { type: 'drain_server', msg_id: 9 }, code: 12, text: /field "server": required/, inReplyTo: 9 },
  { name: 'forget unknown server', body: { type: 'forget_server', msg_id: 10, server: 'ghost' }, code: 20, text: /unknown server "ghost"/, inReplyTo: 10 },
  { name: 'forget a live server', body: { type: 'forget_server', msg_id: 11, server: 'existing' }, code: 22, text: /"existing" is alive; only a dead server can be forgotten/, inReplyTo: 11 },
  { name: 'forget without server', body: { type: 'forget_server', msg_id: 12 }, code: 12, text: /field "server": required/, inReplyTo: 12 },
];

for (const c of ERROR_CASES) {
  t.test(`error: ${c.name}`, async (t) => {
    const master = fresh();
    master.heartbeat(NOW, { server: 'existing', chunks: ['keep'] });
    const before = JSON.stringify(master.serverStatus(NOW));
    const reply = answer(master, NOW, c.body, c.src);
    t.equal(reply?.['type'], 'error');
    t.equal(reply?.['code'], c.code);
    t.match(reply?.['text'], c.text);
    t.equal(reply?.['in_reply_to'], c.inReplyTo);
    t.equal(JSON.stringify(master.serverStatus(NOW)), before, 'a rejected request changes no state');
  });
}

t.test('errors other than protocol errors propagate', async (t) => {
  const master = new BuggyMaster(NOW);
  master.bug = () => new RangeError('boom');
  t.throws(() => answer(master, NOW, { type: 'server_status', msg_id: 1 }), RangeError);
});
