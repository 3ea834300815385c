import t from 'tap';
import { asEnvelope, isBody } from '../../src/protocol/envelope.js';

t.test('a body is a JSON object: not null, an array or a primitive', async (t) => {
  t.ok(isBody({}));
  t.ok(isBody({ type: 'init' }));
  for (const value of [null, [], [{}], 'x', 1, true, undefined]) t.notOk(isBody(value), JSON.stringify(value) ?? 'undefined');
});

t.test('an envelope has string src and dest and an object body; anything else is none', async (t) => {
  const body = { type: 'heartbeat', msg_id: 1 };
  t.same(asEnvelope({ src: 'cs1', dest: 'm', body, extra: 1 }), { src: 'cs1', dest: 'm', body }, 'only its three fields are kept');
  t.equal(asEnvelope({ src: 'cs1', dest: 'm', body })?.body, body, 'the body itself, not a copy');
  t.same(asEnvelope({ src: '', dest: '', body: {} }), { src: '', dest: '', body: {} }, 'empty ids are the dispatcher\'s to refuse');
  const refused: unknown[] = [
    null,
    [],
    'envelope',
    { dest: 'm', body },
    { src: 'cs1', body },
    { src: 'cs1', dest: 'm' },
    { src: 1, dest: 'm', body },
    { src: 'cs1', dest: null, body },
    { src: 'cs1', dest: 'm', body: [] },
    { src: 'cs1', dest: 'm', body: 'heartbeat' },
  ];
  for (const value of refused) t.equal(asEnvelope(value), undefined, JSON.stringify(value));
});
