import t from 'tap';
import { simulate } from '../../src/sim/simulate.js';
import { formatSummary, newSummary, reproduction } from '../../src/sim/summary.js';

t.test('a broken invariant is printed with a reproduction line', async (t) => {
  const summary = simulate({ seed: 2, servers: 5, chunks: 20, minutes: 6 });
  summary.violations.push('t=1ms: something broke');
  const text = formatSummary(summary);
  t.match(text, /invariants: BROKEN\n  t=1ms: something broke/);
  t.equal(reproduction(summary), 'chunkmaster simulate --seed 2 --servers 5 --chunks 20 --minutes 6');
  t.equal(
    reproduction(summary, { replicationFactor: 2, maxReplicationStreams: 4 }),
    'chunkmaster simulate --seed 2 --servers 5 --chunks 20 --minutes 6 --replication-factor 2 --max-replication-streams 4',
  );
});

t.test('a summary prints every counter, the faults by name and the trace hash', async (t) => {
  const summary = newSummary({ seed: 7, servers: 4, chunks: 10, minutes: 3 });
  t.equal(
    formatSummary(summary),
    [
      'seed 7: 4 servers, 10 chunks, 3 virtual minutes (faults until 0.0 min)',
      'faults: none',
      'deaths: 0  revivals: 0  brake engaged: 0  master restarts: 0',
      'copies: 0 ordered, 0 done, 0 failed  deletes: 0',
      'full replication: never  chunks lost to faults: 0',
      'trace:  (0 messages and events)',
      'invariants: ok',
      '',
    ].join('\n'),
    'a fresh summary: nothing happened yet',
  );
  Object.assign(summary, { deaths: 2, revivals: 1, brakeEngaged: 1, masterRestarts: 1, copiesOrdered: 5, copiesDone: 4, copiesFailed: 1, deletes: 3 });
  Object.assign(summary, { faultsEndMs: 90_000, fullReplicationAfterMs: 1250, lostToFaults: 1, traceHash: 'abc123', traceEntries: 42 });
  summary.faults.set('crash', 2).set('partition', 1);
  t.equal(
    formatSummary(summary),
    [
      'seed 7: 4 servers, 10 chunks, 3 virtual minutes (faults until 1.5 min)',
      'faults: crash=2 partition=1',
      'deaths: 2  revivals: 1  brake engaged: 1  master restarts: 1',
      'copies: 5 ordered, 4 done, 1 failed  deletes: 3',
      'full replication: 1.3 s after faults stopped  chunks lost to faults: 1',
      'trace: abc123 (42 messages and events)',
      'invariants: ok',
      '',
    ].join('\n'),
  );
});

t.test('the reproduction line names the core settings only when they differ from the defaults', async (t) => {
  const shape = { seed: 1, servers: 3, chunks: 9, minutes: 2 };
  const plain = 'chunkmaster simulate --seed 1 --servers 3 --chunks 9 --minutes 2';
  t.equal(reproduction(shape, { replicationFactor: 3, maxReplicationStreams: 2 }), plain);
  t.equal(reproduction(shape, { heartbeatIntervalMs: 10 }), plain, 'settings a run cannot be given are left out');
  t.equal(reproduction(shape, { maxReplicationStreams: 1 }), `${plain} --max-replication-streams 1`);
});
