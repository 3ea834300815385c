import t from 'tap';
import { Master } from '../../src/core/index.js';
import { ChunkmasterError } from '../../src/protocol/errors.js';
import * as handlers from '../../src/protocol/handlers.js';
import { newMaster } from '../fixtures/master.js';

/** The error a handler throws, which must be one from the table. */
function refusal(run: () => unknown): ChunkmasterError {
  try {
    run();
  } catch (error) {
    if (error instanceof ChunkmasterError) return error;
    throw error;
  }
  throw new Error('not refused');
}

t.test('a heartbeat reply carries every field, empty instruction lists included', async (t) => {
  const master = newMaster();
  const reply = handlers.heartbeat(master, 0, { server: 'cs1', chunks: ['a'], disk_usage_pct: 10, health: 'healthy' });
  t.equal(JSON.stringify(reply), '{"status":"alive","chunks_to_delete":[],"chunks_to_replicate":[],"full_report":false}');
  t.same(handlers.heartbeat(master, 1, { server: 'cs1' }).status, 'alive', 'a liveness-only heartbeat');
  t.same(handlers.init(), {});
});

t.test('server entries: fields in contract order, the verbose ones only when asked, filtered by status', async (t) => {
  const master = newMaster();
  handlers.heartbeat(master, 0, { server: 'cs1', chunks: ['a', 'b'], disk_usage_pct: 42.5, health: 'degraded' });
  handlers.heartbeat(master, 0, { server: 'cs2' });
  handlers.drainServer(master, 0, { server: 'cs2' });
  t.equal(JSON.stringify(handlers.serverStatus(master, 7500, {})), '{"servers":[{"server":"cs1","status":"alive","chunks":2,"last_heartbeat_ms_ago":7500},{"server":"cs2","status":"draining","chunks":0,"last_heartbeat_ms_ago":7500}]}');
  t.equal(
    JSON.stringify(handlers.server(master, 7500, { server: 'cs1' })),
    '{"server":"cs1","status":"alive","chunks":2,"last_heartbeat_ms_ago":7500,"disk_usage_pct":42.5,"health":"degraded","missed_heartbeats":1}',
  );
  t.same(handlers.serverStatus(master, 7500, { verbose: true, status: 'draining' }).servers.map((s) => [s.server, s.disk_usage_pct]), [['cs2', null]], 'no disk figure reads as null');
  t.same(handlers.serverStatus(master, 7500, { status: 'dead' }), { servers: [] });
});

t.test('chunk locations and check_replication in contract order', async (t) => {
  const master = newMaster();
  handlers.heartbeat(master, 0, { server: 'cs1', chunks: ['a'] });
  t.same(handlers.chunkLocations(master, 0, { chunk: 'a' }), { chunk: 'a', servers: ['cs1'] });
  t.same(handlers.chunkLocations(master, 0, { chunk: 'nowhere' }), { chunk: 'nowhere', servers: [] });
  handlers.heartbeat(master, 0, { server: 'cs2' });
  t.equal(JSON.stringify(handlers.checkReplication(master, 0)), '{"under_replicated":[{"chunk":"a","current_rf":1,"target_rf":3,"priority":"critical"}]}', 'short of what two servers can give, listed against target RF');
});

t.test('refusals come from the error table', async (t) => {
  const master = newMaster();
  handlers.heartbeat(master, 0, { server: 'cs1' });
  for (const run of [() => handlers.server(master, 0, { server: 'x' }), () => handlers.drainServer(master, 0, { server: 'x' }), () => handlers.forgetServer(master, 0, { server: 'x' })]) {
    const error = refusal(run);
    t.equal(error.kind, 'UNKNOWN_SERVER');
    t.match(error.message, /"x"/);
  }
  t.equal(refusal(() => handlers.forgetServer(master, 0, { server: 'cs1' })).kind, 'SERVER_ALIVE');
  t.same(handlers.forgetServer(master, 20_000, { server: 'cs1' }), { server: 'cs1' }, 'dead by then, so forgotten');
});

t.test('readiness waits for safe mode to end, telling how long in whole milliseconds', async (t) => {
  const master = new Master(0, { safeModeMs: 1000 });
  const error = refusal(() => handlers.readiness(master, 0.5));
  t.equal(error.kind, 'IN_SAFE_MODE');
  t.equal(error.message, 'in safe mode for 1000 ms more');
  t.same(handlers.readiness(master, 1000), { status: 'ready' });
});
