import t from 'tap';
import { type CoreConfig, type HeartbeatInput, type HeartbeatReply, Master } from '../../src/core/index.js';
import { answer } from '../../src/protocol/dispatch.js';
import { createLogger } from '../../src/runtime/logger.js';
import { StdioNode } from '../../src/transport/stdio.js';
import { build, listen, makeDriver } from '../fixtures/app.js';
import { connect } from '../fixtures/ws.js';

/** A core that asks every server for everything: a full report, a delete and a copy. */
class AskingMaster extends Master {
  override heartbeat(now: number, input: HeartbeatInput): HeartbeatReply {
    super.heartbeat(now, input);
    return { status: 'alive', chunksToDelete: ['d1'], chunksToReplicate: [{ chunk: 'c1', target: 'cs2' }], fullReport: true };
  }
}

const asking = (now: number, config: Partial<CoreConfig>) => new AskingMaster(now, config);

/** The core's input for one protocol heartbeat body. */
function inputOf(body: Record<string, unknown>): HeartbeatInput | undefined {
  let seen: HeartbeatInput | undefined;
  class Recorder extends Master {
    override heartbeat(now: number, input: HeartbeatInput): HeartbeatReply {
      seen = input;
      return super.heartbeat(now, input);
    }
  }
  answer(new Recorder(0), 0, { type: 'heartbeat', msg_id: 1, ...body });
  return seen;
}

t.test('the report fields reach the core under its names', async (t) => {
  t.match(inputOf({ server: 'cs1', chunks_added: ['a'], chunks_removed: ['b'] }), { server: 'cs1', chunksAdded: ['a'], chunksRemoved: ['b'] });
  t.match(inputOf({ server: 'cs1', chunks: ['a'], report: { id: 'r', part: 1, parts: 3 } }), { chunks: ['a'], report: { id: 'r', part: 1, parts: 3 } });
  const plain = inputOf({ server: 'cs1', chunks: ['a'] });
  t.equal(plain?.report, undefined);
  t.equal(plain?.chunksAdded, undefined);
  t.equal(plain?.chunksRemoved, undefined);
  t.equal(inputOf({ server: 'cs1', chunks: ['a'], chunks_added: ['b'] }), undefined, 'a refused heartbeat never reaches the core');
});

t.test('stdio: full_report comes last before msg_id when true, and is left out when false', async (t) => {
  for (const [name, factory, expected] of [
    ['asking', asking, '{"src": "n1", "dest": "cs1", "body": {"type": "heartbeat_ok", "in_reply_to": 2, "status": "alive", "chunks_to_delete": ["d1"], "chunks_to_replicate": [{"chunk": "c1", "target": "cs2"}], "full_report": true, "msg_id": 1}}'],
    ['not asking', undefined, '{"src": "n1", "dest": "cs1", "body": {"type": "heartbeat_ok", "in_reply_to": 2, "status": "alive", "msg_id": 1}}'],
  ] as const) {
    const { driver } = makeDriver({}, factory);
    const lines: string[] = [];
    const node = new StdioNode(driver, { write: (line: string) => lines.push(line) }, createLogger('silent'));
    node.handleLine('{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}');
    node.handleLine('{"src":"cs1","dest":"n1","body":{"type":"heartbeat","msg_id":2,"chunks":["c1"]}}');
    t.equal(lines[1], `${expected}\n`, name);
    driver.close();
  }
});

t.test('WebSocket: the same bodies as stdio', async (t) => {
  for (const [name, factory, expected] of [
    ['asking', asking, '{"type": "heartbeat_ok", "in_reply_to": 2, "status": "alive", "chunks_to_delete": ["d1"], "chunks_to_replicate": [{"chunk": "c1", "target": "cs2"}], "full_report": true, "msg_id": 0}'],
    ['not asking', undefined, '{"type": "heartbeat_ok", "in_reply_to": 2, "status": "alive", "msg_id": 0}'],
  ] as const) {
    const { app } = build(t, { master: factory });
    const client = await connect((await listen(app)).ws);
    const frame = new Promise<string>((resolve) => client.socket.once('message', (data) => resolve(String(data))));
    client.send({ type: 'heartbeat', msg_id: 2, server: 'cs1', chunks: ['c1'] });
    t.equal(await frame, expected, name);
    await client.close();
  }
});

t.test('HTTP: full_report is always sent, last', async (t) => {
  for (const [name, factory, expected] of [
    ['asking', asking, '{"status":"alive","chunks_to_delete":["d1"],"chunks_to_replicate":[{"chunk":"c1","target":"cs2"}],"full_report":true}'],
    ['not asking', undefined, '{"status":"alive","chunks_to_delete":[],"chunks_to_replicate":[],"full_report":false}'],
  ] as const) {
    const { app } = build(t, { master: factory });
    const res = await app.inject({ method: 'POST', url: '/heartbeat', payload: { server: 'cs1', chunks: ['c1'] } });
    t.equal(res.statusCode, 200);
    t.equal(res.body, expected, name);
  }
});
