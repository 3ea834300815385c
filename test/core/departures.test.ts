import t from 'tap';
import { Departures } from '../../src/core/departures.js';
import type { Planner } from '../../src/core/planner.js';
import { ServerRegistry } from '../../src/core/registry.js';
import { Sweeps } from '../../src/core/sweeps.js';
import type { CoreEvent } from '../../src/core/types.js';

/** Departures over a real registry and sweeps; the planner reports a chunk missing for each replica removed, as it does for a last replica. */
function setup() {
  const servers = new ServerRegistry();
  const sweeps = new Sweeps();
  const events: CoreEvent[] = [];
  const planner = {
    replicaRemoved: (_server: number, chunk: number) => departures.tally?.add(`c${chunk}`),
    forgetChunksLeftBy: (server: number) => server * 10,
  };
  const departures: Departures = new Departures(servers, planner as unknown as Planner, sweeps, (event) => events.push(event));
  const dead = (id: string) => servers.register(id, 0);
  return { departures, servers, sweeps, events, dead };
}

t.test('a death starts a reap; what it drops, and the chunks left with no replica, are told in one server_reaped', async (t) => {
  const { departures, sweeps, events, dead } = setup();
  const cs1 = dead('cs1');
  t.equal(departures.tally, undefined, 'no departure under way');
  let duringDeath: unknown;
  departures.died(cs1.index, () => {
    duringDeath = departures.tally;
    departures.tally?.add('closed-copy');
  });
  t.ok(duringDeath, 'what the death itself closes counts against it');
  t.equal(departures.tally, undefined, 'and only while it is being worked on');
  t.ok(sweeps.isReaping(cs1.index));
  departures.removed(cs1.index, 1, 5);
  departures.removed(cs1.index, 2, 5);
  departures.reaped(cs1.index, 9);
  t.same(events, [{ type: 'server_reaped', server: 'cs1', at: 9, replicas: 2, chunksMissing: 3, examples: ['closed-copy', 'c1', 'c2'] }]);
});

t.test('a server back with a full report stops its reap, once', async (t) => {
  const { departures, sweeps, events, dead } = setup();
  const cs1 = dead('cs1');
  departures.died(cs1.index, () => {});
  t.equal(departures.revived(cs1.index), true);
  t.equal(departures.revived(cs1.index), false, 'nothing left to stop');
  t.notOk(sweeps.isReaping(cs1.index));
  departures.reaped(cs1.index, 3);
  t.same(events, [{ type: 'server_reaped', server: 'cs1', at: 3, replicas: 0, chunksMissing: 0, examples: [] }], 'a reap with no tally left reports nothing dropped');
});

t.test('a forgotten server leaves the listings at once; its index and last chunks are freed once its reap is done', async (t) => {
  const { departures, servers, events, dead } = setup();
  const idle = dead('idle');
  const busy = dead('busy');
  departures.forget(idle, 1);
  t.same(events, [{ type: 'server_forgotten', server: 'idle', at: 1, chunksFreed: 0 }], 'not being reaped: freed at once');
  t.equal(servers.at(idle.index), undefined, 'its index released');
  events.length = 0;
  departures.died(busy.index, () => {});
  departures.forget(busy, 2);
  t.equal(servers.get('busy'), undefined, 'its id is gone at once');
  t.equal(servers.at(busy.index), busy, 'its index waits for the reap');
  t.same(events, []);
  departures.reaped(busy.index, 4);
  t.same(events.map((e) => e.type), ['server_reaped', 'server_forgotten']);
  t.same(events[1], { type: 'server_forgotten', server: 'busy', at: 4, chunksFreed: 10 });
  t.equal(servers.at(busy.index), undefined);
});
