import t from 'tap';
import { onEveryTransport, wire } from '../fixtures/wires.js';

/*
 * CONTRACT 9 on every transport: incremental reports and split full reports.
 * Leases and safe mode are in full-report-leases.test.ts.
 */

// No one dies, nobody is asked for copies: the tests watch chunk lists only.
const CORE = { heartbeatIntervalMs: 100_000, replicationFactor: 1, pendingTimeoutMs: 5000 };

const MALFORMED: [string, Record<string, unknown>, RegExp][] = [
  ['chunks with chunks_added', { chunks: ['c1'], chunks_added: ['c2'] }, /^field "chunks_added": not allowed with "chunks"/],
  ['chunks with chunks_removed', { chunks: ['c1'], chunks_removed: ['c2'] }, /^field "chunks_removed": not allowed with "chunks"/],
  ['chunks with both incremental fields', { chunks: [], chunks_added: [], chunks_removed: [] }, /^field "chunks_added": not allowed/],
  ['report without chunks', { report: { id: 'r', part: 0, parts: 2 } }, /^field "report": needs "chunks"/],
  ['report with an incremental field only', { report: { id: 'r', part: 0, parts: 2 }, chunks_added: ['c1'] }, /^field "report": needs "chunks"/],
  ['part equal to parts', { chunks: ['c1'], report: { id: 'r', part: 2, parts: 2 } }, /^field "report\/part": expected less than "parts" \(2\), got 2$/],
  ['part past parts', { chunks: ['c1'], report: { id: 'r', part: 7, parts: 1 } }, /^field "report\/part": expected less than "parts" \(1\), got 7$/],
  ['a negative part', { chunks: ['c1'], report: { id: 'r', part: -1, parts: 2 } }, /report\/part/],
  ['no parts', { chunks: ['c1'], report: { id: 'r', part: 0, parts: 0 } }, /report\/parts/],
  ['too many parts', { chunks: ['c1'], report: { id: 'r', part: 0, parts: 10_001 } }, /report\/parts/],
  ['a fractional part', { chunks: ['c1'], report: { id: 'r', part: 0.5, parts: 2 } }, /report\/part/],
  ['an empty report id', { chunks: ['c1'], report: { id: '', part: 0, parts: 2 } }, /report\/id/],
  ['a report id of 65 characters', { chunks: ['c1'], report: { id: 'r'.repeat(65), part: 0, parts: 2 } }, /report\/id/],
  ['a report without its id', { chunks: ['c1'], report: { part: 0, parts: 2 } }, /report\/id/],
  ['an added handle of 257 characters', { chunks_added: ['h'.repeat(257)] }, /chunks_added\/0/],
  ['a removed handle that is not a string', { chunks_removed: [7] }, /chunks_removed\/0/],
  ['chunks_added that is not an array', { chunks_added: 'c1' }, /chunks_added/],
];

onEveryTransport(t, 'a heartbeat that mixes or misnumbers report fields is refused and changes nothing', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  await master.heartbeat({ server: 'cs1', chunks: ['c0'] });
  for (const [what, fields, message] of MALFORMED) {
    const answer = await master.heartbeat({ server: 'cs1', ...fields });
    t.match(answer, { refused: 400, message }, what);
    const newcomer = await master.heartbeat({ server: `new-${what}`, ...fields });
    t.match(newcomer, { refused: 400 }, `${what}, from a server never seen`);
  }
  t.same(await master.servers(), ['cs1: alive 1'], 'no refused heartbeat registered a server');
  t.same(await master.locations('c0'), ['cs1'], "no refused heartbeat changed cs1's list");
  t.same(await master.locations('c1'), []);
  t.same(await master.locations('c2'), []);
});

onEveryTransport(t, 'an incremental report changes only what it names', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  await master.heartbeat({ server: 'cs1', chunks: ['c1', 'c2', 'c3'] });
  t.match(await master.heartbeat({ server: 'cs1', chunks_added: ['c4', 'c5'], chunks_removed: ['c1'] }), { status: 'alive', full_report: false });
  t.same(await master.locations('c1'), []);
  t.same(await master.locations('c4'), ['cs1']);
  t.same(await master.servers(), ['cs1: alive 4']);
  await master.heartbeat({ server: 'cs1', chunks_removed: ['c2', 'not-held'] });
  await master.heartbeat({ server: 'cs1', chunks_added: ['c3'] });
  t.same(await master.servers(), ['cs1: alive 3'], 'removing a handle not held, or adding one held, changes nothing else');
  await master.heartbeat({ server: 'cs1' });
  t.same(await master.servers(), ['cs1: alive 3'], 'a liveness-only heartbeat keeps the list');
  await master.heartbeat({ server: 'cs1', chunks_added: [], chunks_removed: [] });
  t.same(await master.servers(), ['cs1: alive 3'], 'empty changes change nothing');
  await master.heartbeat({ server: 'cs1', chunks: ['c9'] });
  t.same(await master.servers(), ['cs1: alive 1'], 'a full list still replaces the last one');
});

onEveryTransport(t, 'an incremental report from a server whose list the master lacks is applied, and a full report asked', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  t.match(await master.heartbeat({ server: 'cs1', chunks_added: ['c1', 'c2'] }), { status: 'alive', full_report: true });
  t.same(await master.locations('c1'), ['cs1'], 'applied as far as it goes');
  t.match(await master.heartbeat({ server: 'cs1', chunks_removed: ['c1'] }), { full_report: true }, 'asked until it reports');
  t.same(await master.locations('c1'), []);
  t.match(await master.heartbeat({ server: 'cs1', chunks: ['c2', 'c3'] }), { full_report: false }, 'a full list answers the ask');
  t.match(await master.heartbeat({ server: 'cs1', chunks_added: ['c4'] }), { full_report: false });
  t.same(await master.servers(), ['cs1: alive 3']);
});

onEveryTransport(t, 'a split full report: parts in any order, the list replaced once the last arrives', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  await master.heartbeat({ server: 'cs1', chunks: ['old'] });
  const part = (part: number, chunks: string[]) => master.heartbeat({ server: 'cs1', chunks, report: { id: 'r1', part, parts: 3 } });
  t.match(await part(2, ['c5', 'c6']), { status: 'alive' });
  t.same(await master.locations('old'), ['cs1'], 'an unfinished report leaves the last list standing');
  t.same(await master.locations('c5'), []);
  await part(0, ['c1', 'c2']);
  t.same(await master.servers(), ['cs1: alive 1']);
  await part(1, ['c3', 'c1']);
  t.same(await master.locations('old'), [], 'the last part replaces the list');
  for (const chunk of ['c1', 'c2', 'c3', 'c5', 'c6']) t.same(await master.locations(chunk), ['cs1'], `${chunk} from its part`);
  t.same(await master.servers(), ['cs1: alive 5'], 'the union of the parts, duplicates collapsed');
});

onEveryTransport(t, 'a report of one part is a full list', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  await master.heartbeat({ server: 'cs1', chunks: ['old'] });
  await master.heartbeat({ server: 'cs1', chunks: ['c1', 'c2'], report: { id: 'only', part: 0, parts: 1 } });
  t.same(await master.servers(), ['cs1: alive 2']);
  t.same(await master.locations('old'), []);
});

onEveryTransport(t, 'a part of a new id discards the unfinished report', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  await master.heartbeat({ server: 'cs1', chunks: ['old'] });
  await master.heartbeat({ server: 'cs1', chunks: ['x'], report: { id: 'r1', part: 0, parts: 2 } });
  await master.heartbeat({ server: 'cs1', chunks: ['y'], report: { id: 'r2', part: 0, parts: 2 } });
  t.same(await master.locations('old'), ['cs1'], 'nothing replaced yet');
  await master.heartbeat({ server: 'cs1', chunks: ['z'], report: { id: 'r2', part: 1, parts: 2 } });
  t.same(await master.locations('x'), [], "r1's part is not in the list");
  t.same(await master.locations('y'), ['cs1']);
  t.same(await master.locations('z'), ['cs1']);
  t.same(await master.servers(), ['cs1: alive 2']);
});

onEveryTransport(t, 'each server assembles its own report', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  await master.heartbeat({ server: 'cs1', chunks: ['a0'], report: { id: 'r', part: 0, parts: 2 } });
  await master.heartbeat({ server: 'cs2', chunks: ['b1'], report: { id: 'r', part: 1, parts: 2 } });
  t.same(await master.locations('a0'), []);
  await master.heartbeat({ server: 'cs1', chunks: ['a1'], report: { id: 'r', part: 1, parts: 2 } });
  t.same(await master.locations('a1'), ['cs1']);
  t.same(await master.locations('b1'), [], "cs2's report is still open: cs1's parts did not finish it");
  await master.heartbeat({ server: 'cs2', chunks: ['b0'], report: { id: 'r', part: 0, parts: 2 } });
  t.same(await master.servers(), ['cs1: alive 2', 'cs2: alive 2']);
});

onEveryTransport(t, 'an unfinished report older than pending_timeout is discarded', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  await master.heartbeat({ server: 'cs1', chunks: ['old'] });
  master.clock.advance(1000);
  await master.heartbeat({ server: 'cs1', chunks: ['p0'], report: { id: 'r1', part: 0, parts: 2 } });
  master.clock.advance(CORE.pendingTimeoutMs + 1);
  await master.heartbeat({ server: 'cs1', chunks: ['p1'], report: { id: 'r1', part: 1, parts: 2 } });
  t.same(await master.locations('old'), ['cs1'], 'the late part finished nothing: the list stands');
  t.same(await master.locations('p0'), []);
  t.same(await master.locations('p1'), []);
  await master.heartbeat({ server: 'cs1', chunks: ['q0'], report: { id: 'r1', part: 0, parts: 2 } });
  t.same(await master.locations('p1'), ['cs1'], 'the late part started the report anew, and it completes');
  t.same(await master.locations('q0'), ['cs1']);
  t.same(await master.locations('p0'), [], 'the expired part is gone');
  t.same(await master.locations('old'), []);
});

onEveryTransport(t, 'a report finished within pending_timeout is applied', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  await master.heartbeat({ server: 'cs1', chunks: ['old'] });
  await master.heartbeat({ server: 'cs1', chunks: ['p0'], report: { id: 'r1', part: 0, parts: 2 } });
  master.clock.advance(CORE.pendingTimeoutMs - 1);
  await master.heartbeat({ server: 'cs1', chunks: ['p1'], report: { id: 'r1', part: 1, parts: 2 } });
  t.same(await master.servers(), ['cs1: alive 2']);
  t.same(await master.locations('p0'), ['cs1']);
});

onEveryTransport(t, 'incremental changes received during a split report are applied again, in arrival order, once it completes', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  await master.heartbeat({ server: 'cs1', chunks: ['c1', 'c2', 'c5'] });
  // The server took its report's snapshot ({c1, c2, c4, c5}) then kept writing and deleting.
  await master.heartbeat({ server: 'cs1', chunks: ['c1', 'c2'], report: { id: 'r', part: 0, parts: 2 } });
  await master.heartbeat({ server: 'cs1', chunks_added: ['c3'], chunks_removed: ['c1'] });
  t.same(await master.locations('c3'), ['cs1'], 'an incremental report during a split one applies at once');
  t.same(await master.locations('c1'), []);
  await master.heartbeat({ server: 'cs1', chunks_added: ['c6'] });
  await master.heartbeat({ server: 'cs1', chunks_removed: ['c6', 'c5'] });
  await master.heartbeat({ server: 'cs1', chunks_removed: ['c7'] });
  await master.heartbeat({ server: 'cs1', chunks_added: ['c7'] });
  await master.heartbeat({ server: 'cs1', chunks: ['c4', 'c5'], report: { id: 'r', part: 1, parts: 2 } });
  const held = [];
  for (const chunk of ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']) if ((await master.locations(chunk)).includes('cs1')) held.push(chunk);
  t.same(held, ['c2', 'c3', 'c4', 'c7'], 'the union of the parts, then every change since the first part, in order');
  t.same(await master.servers(), ['cs1: alive 4']);
});

onEveryTransport(t, 'incremental changes from before a split report began are not applied again', async (t, transport) => {
  const master = await wire(t, transport, CORE);
  await master.heartbeat({ server: 'cs1', chunks: ['c1'] });
  await master.heartbeat({ server: 'cs1', chunks_added: ['c2'] });
  // The server's snapshot after that change no longer holds c2: deleted, then reported in full.
  await master.heartbeat({ server: 'cs1', chunks: ['c1'], report: { id: 'r', part: 0, parts: 2 } });
  await master.heartbeat({ server: 'cs1', chunks: ['c3'], report: { id: 'r', part: 1, parts: 2 } });
  t.same(await master.locations('c2'), []);
  t.same(await master.servers(), ['cs1: alive 2']);
});
