import t, { type Test } from 'tap';
import { type HeartbeatAnswer, type Refusal, type Wire, onEveryTransport, wire } from '../fixtures/wires.js';

/*
 * CONTRACT 9 on every transport: the master asks for full reports under
 * leases, and safe mode waits for them.
 */

const INTERVAL_MS = 10_000;
const PENDING_MS = 5000;
// Nobody dies and safe mode is off: these tests watch who is asked.
const LEASES = { heartbeatIntervalMs: 100_000, replicationFactor: 1, pendingTimeoutMs: PENDING_MS, fullReportIntervalMs: INTERVAL_MS };

const asked = (answer: HeartbeatAnswer | Refusal) => (answer as HeartbeatAnswer).full_report;

/** Every server heartbeats (liveness only), in the order given; the ones asked for a full report. */
async function whoIsAsked(master: Wire, servers: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const server of servers) if (asked(await master.heartbeat({ server }))) found.push(server);
  return found.sort();
}

/** Each server reports in full, `stepMs` apart, first to last: the last one reported most recently. */
async function reportInTurn(t: Test, master: Wire, servers: readonly string[], stepMs: number): Promise<void> {
  for (const [i, server] of servers.entries()) {
    if (i > 0) master.clock.advance(stepMs);
    t.notOk(asked(await master.heartbeat({ server, chunks: [`${server}-c`] })), `${server}'s own full report is not answered with an ask`);
  }
}

onEveryTransport(t, 'leases never exceed the cap and go to the longest unreported first', async (t, transport) => {
  const interval = 60_000;
  const master = await wire(t, transport, { ...LEASES, maxFullReportLeases: 2, fullReportIntervalMs: interval });
  const servers = ['s0', 's1', 's2', 's3', 's4'];
  // 6 s apart: each falls due more than pending_timeout (5 s) after the one before, so turns go strictly in order.
  await reportInTurn(t, master, servers, 6000);
  t.same(await whoIsAsked(master, servers), [], 'nobody is due yet');
  master.clock.advance(2 * interval);
  const newestFirst = [...servers].reverse();
  const order: string[] = [];
  let mostAtOnce = 0;
  let before: string[] = [];
  for (let pass = 0; pass < 10 && order.length < servers.length; pass++) {
    const now = await whoIsAsked(master, newestFirst);
    mostAtOnce = Math.max(mostAtOnce, now.length);
    for (const server of now) if (!order.includes(server)) order.push(server);
    // A server asked on two passes running reports: it was asked again until it did.
    const reporter = now.find((server) => before.includes(server));
    if (reporter !== undefined) t.notOk(asked(await master.heartbeat({ server: reporter, chunks: [`${reporter}-c`] })), `${reporter} reports in full`);
    before = now.filter((server) => server !== reporter);
  }
  t.same(order, servers, 'the longest unreported first, though heard last');
  t.equal(mostAtOnce, 2, 'never more than the cap');
  for (const server of before) await master.heartbeat({ server, chunks: [`${server}-c`] });
  t.same(await whoIsAsked(master, newestFirst), [], 'every server has reported');
  // They reported at the same time: due together, the first heard take the leases, never more than the cap.
  master.clock.advance(2 * interval);
  t.same(await whoIsAsked(master, newestFirst), ['s3', 's4'], 'two leases, to the first two heard');
  t.same(await whoIsAsked(master, servers), ['s3', 's4'], 'and no more, whoever is heard first');
});

onEveryTransport(t, 'a server that does not report within pending_timeout loses its turn', async (t, transport) => {
  const master = await wire(t, transport, { ...LEASES, maxFullReportLeases: 1 });
  // b falls due more than pending_timeout after a: it waits for a.
  await reportInTurn(t, master, ['a', 'b'], PENDING_MS + 1000);
  master.clock.advance(INTERVAL_MS - PENDING_MS);
  t.same(await whoIsAsked(master, ['b', 'a']), ['a']);
  master.clock.advance(PENDING_MS - 1000);
  t.same(await whoIsAsked(master, ['b', 'a']), ['a'], 'within pending_timeout it keeps its lease');
  master.clock.advance(2000);
  t.same(await whoIsAsked(master, ['a', 'b']), ['b'], 'past it the lease goes to the next server');
  await master.heartbeat({ server: 'b', chunks: ['b-c'] });
  t.same(await whoIsAsked(master, ['b', 'a']), [], 'a had its turn: it is due again a timeout after losing it');
  master.clock.advance(PENDING_MS);
  t.same(await whoIsAsked(master, ['b', 'a']), ['a'], 'and is asked then');
});

onEveryTransport(t, 'a full report is asked again full_report_interval after the last one', async (t, transport) => {
  const master = await wire(t, transport, LEASES);
  await master.heartbeat({ server: 'a', chunks: ['a-c'] });
  master.clock.advance(INTERVAL_MS - 1000);
  t.notOk(asked(await master.heartbeat({ server: 'a', chunks_added: ['a-d'] })));
  master.clock.advance(2000);
  t.ok(asked(await master.heartbeat({ server: 'a', chunks_added: ['a-e'] })));
  await master.heartbeat({ server: 'a', chunks: ['a-c'], report: { id: 'r', part: 0, parts: 2 } });
  t.notOk(asked(await master.heartbeat({ server: 'a', chunks: ['a-d'], report: { id: 'r', part: 1, parts: 2 } })));
  t.notOk(asked(await master.heartbeat({ server: 'a' })), 'a split report, completed, counts as a full one');
  t.same(await master.servers(), ['a: alive 2']);
});

onEveryTransport(t, "an unasked full report is applied and resets its server's turn", async (t, transport) => {
  const master = await wire(t, transport, { ...LEASES, maxFullReportLeases: 1 });
  await reportInTurn(t, master, ['a', 'b'], 1000);
  master.clock.advance(INTERVAL_MS + 1000);
  t.same(await whoIsAsked(master, ['a', 'b']), ['a']);
  t.notOk(asked(await master.heartbeat({ server: 'b', chunks: ['b-new'] })), 'b reports unasked');
  t.same(await master.locations('b-new'), ['b'], 'and its list is applied');
  await master.heartbeat({ server: 'a', chunks: ['a-c'] });
  t.same(await whoIsAsked(master, ['a', 'b']), [], 'b is not due: its unasked report counts');
});

onEveryTransport(t, 'a server whose list the master lacks waits for a lease like the others', async (t, transport) => {
  const master = await wire(t, transport, { ...LEASES, maxFullReportLeases: 2 });
  const servers = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
  const firstContact: string[] = [];
  for (const server of servers) if (asked(await master.heartbeat({ server, chunks_added: [`${server}-c`] }))) firstContact.push(server);
  t.equal(firstContact.length, 2, 'a master just started asks no more servers than its leases');
  const reported = new Set<string>();
  for (let round = 0; round < servers.length && reported.size < servers.length; round++) {
    const now = await whoIsAsked(master, servers);
    t.ok(now.length <= 2, `round ${round}: at most 2 asked (${now.join(', ')})`);
    t.ok(now.length > 0, `round ${round}: someone is asked while lists are missing`);
    for (const server of now) {
      t.notOk(reported.has(server), `${server} is not asked again once it reported`);
      await master.heartbeat({ server, chunks: [`${server}-c`] });
      reported.add(server);
    }
  }
  t.equal(reported.size, servers.length, 'every server was asked in turn');
  t.same(await whoIsAsked(master, servers), []);
});

// Safe mode: 1 s at least, 5 s at most; two servers, one chunk short of its RF.
const SAFE = { heartbeatIntervalMs: 100_000, replicationFactor: 2, safeModeMs: 1000, safeModeMaxMs: 5000 };

const copies = async (master: Wire, server: string) => ((await master.heartbeat({ server })) as HeartbeatAnswer).chunks_to_replicate;

onEveryTransport(t, 'safe mode lasts at least safe_mode', async (t, transport) => {
  const master = await wire(t, transport, SAFE);
  await master.heartbeat({ server: 'a', chunks: ['c1'] });
  await master.heartbeat({ server: 'b', chunks: [] });
  master.clock.advance(500);
  t.same(await copies(master, 'a'), [], 'every server reported, but safe_mode has not passed');
  master.clock.advance(1000);
  t.same(await copies(master, 'a'), [{ chunk: 'c1', target: 'b' }]);
});

onEveryTransport(t, 'safe mode waits until every live server has delivered a full report', async (t, transport) => {
  const master = await wire(t, transport, SAFE);
  await master.heartbeat({ server: 'a', chunks: ['c1'] });
  t.ok(asked(await master.heartbeat({ server: 'b', chunks_added: ['c2'] })), 'b is asked for its list');
  master.clock.advance(2000);
  t.same(await copies(master, 'a'), [], 'past safe_mode, b has not reported in full');
  await master.heartbeat({ server: 'b', chunks: ['c2'], report: { id: 'r', part: 0, parts: 2 } });
  t.same(await copies(master, 'a'), [], 'half a report is not a full one');
  await master.heartbeat({ server: 'b', chunks: ['c3'], report: { id: 'r', part: 1, parts: 2 } });
  t.same(await copies(master, 'a'), [{ chunk: 'c1', target: 'b' }], 'every live server has reported: safe mode is over');
});

onEveryTransport(t, 'safe mode ends at safe_mode_max even without every report', async (t, transport) => {
  const master = await wire(t, transport, SAFE);
  await master.heartbeat({ server: 'a', chunks: ['c1'] });
  await master.heartbeat({ server: 'b', chunks_added: ['c2'] });
  master.clock.advance(4900);
  t.same(await copies(master, 'a'), [], 'b still owes its report');
  master.clock.advance(200);
  t.same(await copies(master, 'a'), [{ chunk: 'c1', target: 'b' }], 'past safe_mode_max');
});

onEveryTransport(t, 'safe mode does not wait for a dead server', async (t, transport) => {
  const master = await wire(t, transport, { ...SAFE, heartbeatIntervalMs: 1000, deadAfterMissed: 3, safeModeMaxMs: 60_000 });
  await master.heartbeat({ server: 'a', chunks: ['c1'] });
  await master.heartbeat({ server: 'b', chunks_added: ['c2'] });
  await master.heartbeat({ server: 'c', chunks: [] });
  master.clock.advance(2000);
  t.same(await copies(master, 'a'), [], 'b is alive and has not reported');
  await master.heartbeat({ server: 'c' });
  master.clock.advance(1500);
  t.same(await master.servers(), ['a: alive 1', 'b: dead 0', 'c: alive 0']);
  t.same(await copies(master, 'a'), [{ chunk: 'c1', target: 'c' }], 'every live server has reported');
});
