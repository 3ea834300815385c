import t from 'tap';
import { Outbox } from '../../src/core/outbox.js';
import { ChunkTally, MAX_EXAMPLES } from '../../src/core/tallies.js';
import type { CoreEvent } from '../../src/core/types.js';

const died = (server: string, at: number): CoreEvent => ({ type: 'server_dead', at, server, lostReplicas: 0 });

t.test('events come out in the order pushed, once', async (t) => {
  const outbox = new Outbox(() => undefined);
  t.same(outbox.take(0), []);
  outbox.push(died('a', 1));
  outbox.push(died('b', 2));
  t.same(outbox.take(5), [died('a', 1), died('b', 2)]);
  t.same(outbox.take(6), [], 'taken events are gone');
});

t.test('chunks lost outside a departure are one chunks_missing event, last, at the time taken', async (t) => {
  const outbox = new Outbox(() => undefined);
  outbox.chunkMissing('x');
  outbox.push(died('a', 1));
  for (let i = 0; i < MAX_EXAMPLES + 2; i++) outbox.chunkMissing(`c${i}`);
  const events = outbox.take(9);
  t.same(events[0], died('a', 1));
  t.same(events[1], { type: 'chunks_missing', at: 9, count: MAX_EXAMPLES + 3, examples: ['x', ...Array.from({ length: MAX_EXAMPLES - 1 }, (_, i) => `c${i}`)] });
  t.equal(events.length, 2);
  t.same(outbox.take(10), [], 'the count starts again at 0 each step');
  outbox.chunkMissing('y');
  t.same(outbox.take(11), [{ type: 'chunks_missing', at: 11, count: 1, examples: ['y'] }]);
});

t.test('chunks lost during a departure go to its tally, not to an event of their own', async (t) => {
  let departure: ChunkTally | undefined = new ChunkTally();
  const outbox = new Outbox(() => departure);
  outbox.chunkMissing('x');
  outbox.chunkMissing('y');
  t.same(outbox.take(1), []);
  t.equal(departure.count, 2);
  t.same(departure.examples, ['x', 'y']);
  departure = undefined;
  outbox.chunkMissing('z');
  t.same(outbox.take(2), [{ type: 'chunks_missing', at: 2, count: 1, examples: ['z'] }], 'once the departure is over, the step\'s own event again');
});
