import t from 'tap';
import { DroppedEvents } from '../../src/transport/dropped-events.js';

t.test('dropped events are summed by type, from the first one\'s time to the last one\'s', async (t) => {
  const dropped = new DroppedEvents();
  dropped.add({ type: 'server_dead', server: 'cs1', at: 30, lostReplicas: 2 });
  dropped.add({ type: 'chunks_missing', at: 40, count: 5, examples: ['a'] });
  dropped.add({ type: 'server_dead', server: 'cs2', at: 50, lostReplicas: 0 });
  t.same(dropped.summary(), { type: 'events_dropped', count: 3, by_type: { server_dead: 2, chunks_missing: 1 }, first_at: 30, last_at: 50 });
  t.equal(
    JSON.stringify(dropped.summary()),
    '{"type":"events_dropped","count":3,"by_type":{"server_dead":2,"chunks_missing":1},"first_at":30,"last_at":50}',
    'fields and types in the order given, as the frame goes out',
  );
});

t.test('one event dropped starts and ends the span', async (t) => {
  const dropped = new DroppedEvents();
  dropped.add({ type: 'safe_mode_exited', at: 7 });
  t.same(dropped.summary(), { type: 'events_dropped', count: 1, by_type: { safe_mode_exited: 1 }, first_at: 7, last_at: 7 });
});
