import fc from 'fast-check';
import t from 'tap';
import { Master } from '../../src/core/index.js';

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

/** Runs due work (sweeping dead servers' replicas in batches) until none is due at `now`. */
function settle(master: Master, now: number): void {
  for (let due = master.nextDeadline(); due !== undefined && due <= now; due = master.nextDeadline()) master.tick(now);
}

/** What callers see, at every step: no dead server is ever listed as a holder. */
function checkViews(master: Master, now: number): string | undefined {
  const dead = new Set(master.serverStatus(now, 'dead').map((v) => v.server));
  for (let chunk = 0; chunk < master.replicas.chunkCount; chunk++) {
    const handle = master.replicas.handleOf(chunk);
    if (master.chunkLocations(now, handle).some((server) => dead.has(server))) return `dead server listed for ${handle}`;
  }
  return undefined;
}

function checkMapsAgree(master: Master): string | undefined {
  const { replicas, servers } = master;
  let total = 0;
  for (let chunk = 0; chunk < replicas.chunkCount; chunk++) {
    const holders = replicas.holdersOf(chunk);
    if (new Set(holders).size !== holders.length) return `duplicate holder of ${replicas.handleOf(chunk)}`;
    for (const server of holders) if (!replicas.holds(server, chunk)) return 'chunk -> server without server -> chunk';
    total += holders.length;
  }
  for (const record of servers.all()) {
    for (const chunk of replicas.chunksOf(record.index)) {
      if (!replicas.holdersOf(chunk).includes(record.index)) return 'server -> chunk without chunk -> server';
    }
    if (!record.alive && replicas.countOf(record.index) > 0) return `dead server ${record.id} holds replicas`;
  }
  return total === replicas.size ? undefined : 'replica count drifted';
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
        const problem = checkMapsAgree(master);
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
