import fc from 'fast-check';
import t from 'tap';
import { Master } from '../../src/core/index.js';
import { settle } from '../fixtures/master.js';

const SERVERS = ['s0', 's1', 's2', 's3', '__proto__'];
const HANDLES = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'constructor'];

const step = fc.oneof(
  fc.record({
    kind: fc.constant('heartbeat' as const),
    server: fc.constantFrom(...SERVERS),
    chunks: fc.option(fc.array(fc.constantFrom(...HANDLES), { maxLength: 10 }), { nil: undefined }),
    after: fc.integer({ min: 0, max: 9000 }),
  }),
  fc.record({ kind: fc.constant('tick' as const), after: fc.integer({ min: 0, max: 20_000 }) }),
);

/** The obvious model: last report per server, alive while its deadline is ahead. */
interface ModelServer {
  last: number;
  chunks: Set<string>;
}

/** What callers see, at every step: no dead server is ever listed as a holder. */
function checkViews(master: Master, now: number): string | undefined {
  const dead = new Set(master.serverStatus(now, 'dead').map((v) => v.server));
  for (const handle of HANDLES) {
    if (master.chunkLocations(now, handle).some((server) => dead.has(server))) return `dead server listed for ${handle}`;
  }
  return undefined;
}

/**
 * Once due work is done, both directions of the location map agree with
 * each other and with the model: each chunk is listed on exactly the live
 * servers whose last list holds it, each server stores as many replicas as
 * chunks list it, a dead one none, and the total adds up.
 */
function checkMapsAgree(master: Master, now: number, model: Map<string, ModelServer>): string | undefined {
  const listings = new Map<string, number>();
  for (const handle of HANDLES) {
    const holders = master.chunkLocations(now, handle);
    if (new Set(holders).size !== holders.length) return `duplicate holder of ${handle}`;
    const want = [...model].filter(([, server]) => now - server.last < 15_000 && server.chunks.has(handle)).map(([id]) => id);
    if ([...holders].sort().join() !== want.sort().join()) return `${handle} is listed on ${holders.join()}, not on ${want.join()}`;
    for (const server of holders) listings.set(server, (listings.get(server) ?? 0) + 1);
  }
  let total = 0;
  for (const view of master.serverStatus(now)) {
    const stored = master.replicaCount(view.server);
    if (view.status === 'dead' && stored > 0) return `dead server ${view.server} holds replicas`;
    if (stored !== (listings.get(view.server) ?? 0)) return `${view.server} stores ${stored} replicas, listed for ${listings.get(view.server) ?? 0} chunks`;
    total += stored;
  }
  return total === master.stats().replicas ? undefined : 'replica count drifted';
}

t.test('random heartbeats and ticks keep both maps in agreement with a model', async () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
      const master = new Master(0);
      const model = new Map<string, ModelServer>();
      let now = 0;
      for (const s of steps) {
        now += s.after;
        if (s.kind === 'heartbeat') {
          master.heartbeat(now, { server: s.server, chunks: s.chunks });
          const known = model.get(s.server);
          const wasDead = known === undefined || now - known.last >= 15_000;
          const chunks = s.chunks ? new Set(s.chunks) : wasDead ? new Set<string>() : (known as ModelServer).chunks;
          model.set(s.server, { last: now, chunks });
        } else {
          master.tick(now);
        }
        const visible = checkViews(master, now);
        if (visible) throw new Error(visible);
        settle(master, now);
        const problem = checkMapsAgree(master, now, model);
        if (problem) throw new Error(problem);
        for (const view of master.serverStatus(now)) {
          const expected = model.get(view.server) as ModelServer;
          const alive = now - expected.last < 15_000;
          if ((view.status === 'alive') !== alive) throw new Error(`${view.server} should be ${alive ? 'alive' : 'dead'}`);
          if (view.chunks !== (alive ? expected.chunks.size : 0)) throw new Error(`${view.server} chunk count`);
        }
      }
      return true;
    }),
    { numRuns: 300 },
  );
});
