import t from 'tap';
import type { CoreEvent } from '../../src/core/index.js';
import { eventBody } from '../../src/protocol/events.js';

t.test('an event body is the event with its keys in snake_case, in the same order', async (t) => {
  const examples = ['a', 'b'];
  const event: CoreEvent = { type: 'server_reaped', server: 'cs1', at: 5, replicas: 7, chunksMissing: 2, examples };
  const body = eventBody(event);
  t.equal(JSON.stringify(body), '{"type":"server_reaped","server":"cs1","at":5,"replicas":7,"chunks_missing":2,"examples":["a","b"]}');
  t.equal(body['examples'], examples, 'values pass as they are');
  t.same(eventBody({ type: 'server_dead', server: 'cs2', at: 1, lostReplicas: 0 }), { type: 'server_dead', server: 'cs2', at: 1, lost_replicas: 0 });
  t.same(eventBody({ type: 'safe_mode_exited', at: 0 }), { type: 'safe_mode_exited', at: 0 }, 'keys already in snake_case stay');
});
