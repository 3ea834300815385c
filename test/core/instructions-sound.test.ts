import fc from 'fast-check';
import t from 'tap';
import type { Health } from '../../src/core/index.js';
import { newMaster } from '../fixtures/master.js';

const SERVERS = ['s0', 's1', 's2', 's3', 's4', 's5'];
const CHUNKS = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];

const op = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('beat' as const),
      server: fc.constantFrom(...SERVERS),
      chunks: fc.option(fc.subarray(CHUNKS, { minLength: 2 }), { nil: undefined, freq: 3 }),
      disk: fc.integer({ min: 0, max: 95 }),
      health: fc.constantFrom<Health>('healthy', 'healthy', 'healthy', 'healthy', 'degraded', 'read_only'),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 12000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drain' as const), server: fc.constantFrom(...SERVERS) }) },
);

/**
 * Arbitrary interleavings of heartbeats (with any chunk lists, disks and
 * health), waits and drains: every instruction the master hands out must
 * make sense by its own view at that moment.
 */
t.test('instructions are always sound, whatever the servers report', async (t) => {
  let copies = 0;
  let deletes = 0;
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 3 }), (ops, rf) => {
      const m = newMaster({ replicationFactor: rf, maxDeadFraction: 0.7, pendingTimeoutMs: 30000 });
      let now = 0;
      /** Deletes handed out (chunk -> when) that the server has not confirmed by a report without the chunk. */
      const unconfirmed = new Map<string, Map<string, number>>();
      const doomedBy = (chunk: string) =>
        // The master forgets an unconfirmed delete after its pending timeout, and so does this model.
        SERVERS.filter((s) => (unconfirmed.get(s)?.get(chunk) ?? Number.NEGATIVE_INFINITY) + 30000 > now);
      for (const step of ops) {
        if (step.kind === 'wait') {
          now += step.ms;
          m.tick(now);
          continue;
        }
        if (step.kind === 'drain') {
          m.drainServer(now, step.server);
          continue;
        }
        if (step.chunks !== undefined) {
          const kept = [...(unconfirmed.get(step.server) ?? [])].filter(([chunk]) => step.chunks?.includes(chunk));
          unconfirmed.set(step.server, new Map(kept));
        }
        const state = m.replicationState(now);
        const reply = m.heartbeat(now, { server: step.server, chunks: step.chunks, diskUsagePct: step.disk, health: step.health });
        if (state.safeMode || m.replicationState(now).brakeEngaged) {
          if (reply.chunksToDelete.length + reply.chunksToReplicate.length > 0) return false;
        }
        copies += reply.chunksToReplicate.length;
        deletes += reply.chunksToDelete.length;
        for (const copy of reply.chunksToReplicate) {
          const holders = m.chunkLocations(now, copy.chunk);
          const target = m.server(now, copy.target);
          if (!holders.includes(step.server) || holders.includes(copy.target)) return false;
          if (target?.status !== 'alive' || target.health !== 'healthy' || (target.diskUsagePct ?? 0) >= 90) return false;
        }
        for (const chunk of reply.chunksToDelete) {
          const doomed = new Set([...doomedBy(chunk), step.server]);
          const remaining = m.chunkLocations(now, chunk).filter((s) => !doomed.has(s));
          if (remaining.length < rf || step.health === 'read_only') return false;
          unconfirmed.set(step.server, (unconfirmed.get(step.server) ?? new Map()).set(chunk, now));
        }
      }
      return true;
    }),
    { numRuns: 1000, seed: 20261124 },
  );
  // The histories must have made the master act, or passing means nothing.
  t.ok(copies > 200, `copies checked: ${copies}`);
  t.ok(deletes > 200, `deletes checked: ${deletes}`);
});
