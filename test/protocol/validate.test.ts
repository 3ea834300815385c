import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import t from 'tap';
import { ChunkmasterError } from '../../src/protocol/errors.js';
import { decodeRequest, describeError } from '../../src/protocol/validate.js';

/** The error decodeRequest throws for `body`. */
function refusal(body: Record<string, unknown>): ChunkmasterError {
  try {
    decodeRequest(body);
  } catch (error) {
    if (error instanceof ChunkmasterError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(body)} was accepted`);
}

t.test('a valid request is returned as it is', async (t) => {
  const bodies: Record<string, unknown>[] = [
    { type: 'init', msg_id: 0, node_id: 'n1', node_ids: ['n1'] },
    { type: 'heartbeat', msg_id: 1, server: 'cs1', chunks: ['a'], disk_usage_pct: 100, health: 'read_only' },
    { type: 'heartbeat', msg_id: 2, extra: 'kept' },
    { type: 'check_replication', msg_id: 3 },
  ];
  for (const body of bodies) t.equal(decodeRequest(body), body, String(body['type']));
});

t.test('a body without a string type, or of a type no request has, is refused as such', async (t) => {
  for (const body of [{}, { type: 7 }, { type: null }]) {
    const error = refusal(body);
    t.equal(error.kind, 'TYPE_NOT_STRING');
    t.equal(error.message, 'field "type": expected a string');
  }
  const unknown = refusal({ type: 'heartbeat_ok', msg_id: 1 });
  t.equal(unknown.kind, 'NOT_SUPPORTED', 'a reply type is no request');
  t.equal(unknown.message, 'message type "heartbeat_ok" is not supported');
  t.equal(refusal({ type: 'toString' }).kind, 'NOT_SUPPORTED', 'nor is a name every object has');
});

t.test('a malformed request names its type and the first bad field, and what it should have been', async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ type: 'heartbeat' }, 'heartbeat: field "msg_id": required'],
    [{ type: 'heartbeat', msg_id: 1, chunks: ['a', 'b', 5] }, 'heartbeat: field "chunks/2": expected string'],
    [{ type: 'heartbeat', msg_id: 1, health: 'fine' }, 'heartbeat: field "health": expected one of "healthy", "degraded", "read_only"'],
    [{ type: 'chunk_locations', msg_id: 1, chunk: '' }, 'chunk_locations: field "chunk": expected string length greater or equal to 1'],
  ];
  for (const [body, message] of cases) {
    const error = refusal(body);
    t.equal(error.kind, 'MALFORMED_FIELD');
    t.equal(error.message, message);
  }
});

t.test('a field path is read back from its JSON pointer; the body itself is "(body)"', async (t) => {
  const schema = Type.Object({ 'a/b~c': Type.String() });
  const check = TypeCompiler.Compile(schema);
  const missing = check.Errors({}).First();
  const notObject = check.Errors(5).First();
  if (missing === undefined || notObject === undefined) throw new Error('both values are invalid');
  t.equal(describeError(missing), 'field "a/b~c": required');
  t.equal(describeError(notObject), 'field "(body)": expected object');
});
