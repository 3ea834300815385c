import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runFleet } from '../../src/fleet/fleet.js';
import { defaultFleetConfig, type FleetConfig } from '../../src/runtime/config.js';
import { runCli } from '../fixtures/cli.js';
import { type Instructions, startFakeMaster } from '../fixtures/fake-master.js';
import { type Report, type TestMaster, startRealMaster } from '../fixtures/real-master.js';

function capture() {
  const out = { text: '', write: (s: string) => (out.text += s) };
  return out;
}

/** cs1's first answer: copy its first chunk to cs0 (which lacks it) and to a server nobody knows, and delete its last one. */
function copyAndDelete({ server, chunks = [] }: Report, nth: number): Instructions {
  if (server !== 'cs1' || nth !== 1) return {};
  return { chunks_to_replicate: [{ chunk: chunks[0] as string, target: 'cs0' }, { chunk: chunks[0] as string, target: 'nobody' }], chunks_to_delete: [chunks.at(-1) as string] };
}

/** The full lists `server` sent, in order. */
const fullLists = (master: TestMaster, server: string) => master.reports.filter((r) => r.server === server && r.chunks !== undefined).map((r) => r.chunks);

function config(url: string, overrides: Partial<FleetConfig> = {}): FleetConfig {
  return { ...defaultFleetConfig(), urls: [url], servers: 4, chunksPerServer: 6, intervalMs: 40, durationMs: 1500, kill: { count: 1, atMs: 300 }, connections: 2, ...overrides };
}

/** A master that calls a server dead 200 ms after its last heartbeat. */
const DEAD_AFTER_200_MS = { heartbeatIntervalMs: 50, deadAfterMissed: 4 };
/** One that never does within a test. */
const PATIENT = { heartbeatIntervalMs: 1000, deadAfterMissed: 3 };

for (const ws of [false, true]) {
  t.test(`heartbeats over ${ws ? 'WebSocket' : 'HTTP'} to the real daemon and sees the killed server die`, async (t) => {
    const master = await startRealMaster({ core: DEAD_AFTER_200_MS, token: 'sekret' });
    t.teardown(() => master.close());
    const stdout = capture();
    const stderr = capture();
    const stats = await runFleet(config(master.url, { ws }), 'sekret', { stdout, stderr });

    t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
    t.ok(stats.ok >= 4 * 5, `every server heartbeated repeatedly (${stats.ok} ok)`);
    t.equal(stats.sent, stats.ok + stats.failed);
    t.equal(stats.latenciesMs.length, stats.ok);
    t.same([stats.killed, stats.deathsSeen], [1, 1]);
    t.ok((stats.detectionMs[0] ?? 0) >= 200, 'dead no sooner than the master says');
    t.same(stats.copiesFailed, 0, 'the chunks start at the master\'s replication factor: nothing to copy, nothing fails');

    const killedReports = master.reports.filter((r) => r.server === 'cs0').length;
    t.ok(killedReports >= 1 && killedReports <= 300 / 40 + 2, `the killed server stopped heartbeating (${killedReports} reports)`);

    t.match(stdout.text, /fleet summary after [\d.]+ s/);
    t.match(stdout.text, /deaths {6}killed 1, seen dead 1, revived 0, detected/);
  });

  t.test(`obeys instructions over ${ws ? 'WebSocket' : 'HTTP'}, even ones the real master never gives (--report full)`, async (t) => {
    const master = await startFakeMaster({ instruct: copyAndDelete });
    t.teardown(() => master.close());
    const stdout = capture();
    const stats = await runFleet(config(master.url, { ws, durationMs: 600, kill: undefined, report: 'full' }), undefined, { stdout, stderr: capture() });

    t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
    t.same([stats.copies, stats.copiesFailed, stats.deletes], [1, 1, 1], 'one copy done, one to an unknown target failed, one delete');
    const last = (server: string) => [...master.reports].reverse().find((r) => r.server === server)?.chunks ?? [];
    const first = master.reports.find((r) => r.server === 'cs1')?.chunks ?? [];
    t.notOk(fullLists(master, 'cs0')[0]?.includes(first[0] as string), 'the target lacked the chunk');
    t.ok(last('cs0').includes(first[0] as string), 'the target reports the copied chunk');
    t.notOk(last('cs1').includes(first.at(-1) as string), 'the deleted chunk is no longer reported');
    t.match(stdout.text, /copies {6}done 1, failed 1; deletes done 1/);
  });

  t.test(`incremental reports over ${ws ? 'WebSocket' : 'HTTP'} carry the copy and the delete as changes`, async (t) => {
    const master = await startFakeMaster({ instruct: copyAndDelete });
    t.teardown(() => master.close());
    const stats = await runFleet(config(master.url, { ws, durationMs: 600, kill: undefined }), undefined, { stdout: capture(), stderr: capture() });
    t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
    const first = fullLists(master, 'cs1')[0] ?? [];
    t.same(fullLists(master, 'cs1').length, 1, 'one full list, at first contact');
    t.same(master.reports.flatMap((r) => (r.server === 'cs0' ? (r.chunks_added ?? []) : [])), [first[0]], 'the target reports the copied chunk, once');
    t.same(master.reports.flatMap((r) => (r.server === 'cs1' ? (r.chunks_removed ?? []) : [])), [first.at(-1)], 'the deleted chunk, once');
    t.same([stats.reports.full, stats.reports.changes], [4, 2]);
  });
}

t.test('--replication-factor below the master\'s: it asks for copies; above: for deletes; the fleet carries both out', async (t) => {
  const master = await startRealMaster({ core: PATIENT });
  t.teardown(() => master.close());
  const short = await runFleet(config(master.url, { replicationFactor: 2, durationMs: 800, kill: undefined }), undefined, { stdout: capture(), stderr: capture() });
  t.equal(short.failed, 0, short.lastError ?? 'no failures');
  t.ok(short.copies > 0, `copies made (${short.copies})`);
  t.equal(short.copiesFailed, 0);
  const other = await startRealMaster({ core: PATIENT });
  t.teardown(() => other.close());
  const surplus = await runFleet(config(other.url, { replicationFactor: 4, durationMs: 800, kill: undefined }), undefined, { stdout: capture(), stderr: capture() });
  t.ok(surplus.deletes > 0, `surplus replicas deleted (${surplus.deletes})`);
  t.equal(surplus.copies, 0);
});

t.test('--revive-after-ms brings killed servers back with their chunks', async (t) => {
  const master = await startRealMaster({ core: { heartbeatIntervalMs: 50, deadAfterMissed: 2 } });
  t.teardown(() => master.close());
  const stdout = capture();
  const ticks: number[] = [];
  const stats = await runFleet(config(master.url, { durationMs: 1400, kill: { count: 2, atMs: 200 }, reviveAfterMs: 600 }), undefined, {
    stdout,
    stderr: capture(),
    progress: (live, elapsedMs) => ticks.push(live.ok, elapsedMs),
  });
  t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
  t.same([stats.killed, stats.deathsSeen, stats.revived], [2, 2, 2]);
  const reportsOf = (server: string) => master.reports.filter((r) => r.server === server);
  // Silenced 0.2 s in (at most 7 beats at 40 ms); back for the last 0.6 s (15 more).
  t.ok(reportsOf('cs0').length > 12, `cs0 heartbeats again after its revival (${reportsOf('cs0').length} reports)`);
  t.ok(reportsOf('cs0').length < reportsOf('cs3').length, 'but missed the beats of its silence');
  const lists = fullLists(master, 'cs0');
  t.ok(lists.length >= 2, 'back, it begins with a full report, as a rebooted server does');
  t.same(lists.at(-1), lists[0], 'with the chunks it held');
  t.match(stdout.text, /killed 2, seen dead 2, revived 2/);
  t.ok(ticks.length >= 2, 'progress went to the callback');
});

t.test('a server revived before its next beat keeps one heartbeat chain', async (t) => {
  const master = await startRealMaster({ core: PATIENT });
  t.teardown(() => master.close());
  const stats = await runFleet(config(master.url, { servers: 1, intervalMs: 200, durationMs: 1000, kill: { count: 1, atMs: 110 }, reviveAfterMs: 20 }), undefined, {
    stdout: capture(),
    stderr: capture(),
  });
  t.equal(stats.revived, 1);
  t.ok(stats.sent <= 6, `no doubled beats (${stats.sent} sent in 1 s at 200 ms)`);
});

t.test('a master that is not there: every heartbeat fails, and the summary says why', async (t) => {
  const master = await startRealMaster();
  const url = master.url;
  await master.close();
  const stdout = capture();
  const stats = await runFleet(config(url, { servers: 2, durationMs: 300, kill: undefined }), undefined, { stdout, stderr: capture() });
  t.equal(stats.ok, 0);
  t.ok(stats.failed > 0);
  t.match(stdout.text, /last error {2}\S/);
});

t.test('a wrong token is refused and counted as failures', async (t) => {
  const master = await startRealMaster({ token: 'right' });
  t.teardown(() => master.close());
  const stats = await runFleet(config(master.url, { servers: 2, durationMs: 200, kill: undefined }), 'wrong', { stdout: capture(), stderr: capture() });
  t.equal(stats.ok, 0);
  t.match(stats.lastError, /HTTP 401/);
});

t.test('an abort stops the run early; progress goes to stderr', async (t) => {
  const master = await startRealMaster({ core: PATIENT });
  t.teardown(() => master.close());
  const stop = new AbortController();
  const stderr = { text: '', isTTY: true, write: (s: string) => (stderr.text += s) };
  setTimeout(() => stop.abort(), 1300);
  const stats = await runFleet(config(master.url, { durationMs: 0, kill: undefined }), undefined, { stdout: capture(), stderr, signal: stop.signal });
  t.ok(stats.ok > 0);
  // The progress line is due at 1 s; a loaded machine may write it a little late.
  t.match(stderr.text, /\r\x1b\[Kfleet 1\.\d s {2}sent \d+ {2}ok \d+ {2}failed 0 {2}p99 [\d.]+ ms/);
  const aborted = new AbortController();
  aborted.abort();
  const none = await runFleet(config(master.url, { durationMs: 0 }), undefined, { stdout: capture(), stderr: capture(), signal: aborted.signal });
  t.equal(none.sent, 0, 'an already aborted run sends nothing');
});

t.test('chunkmaster fleet runs from the command line', async (t) => {
  const master = await startRealMaster({ core: PATIENT, token: 'from-file' });
  t.teardown(() => master.close());
  const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
  writeFileSync(join(dir, 'token'), 'from-file\n');
  const args = ['fleet', '--url', master.url, '--servers', '3', '--chunks-per-server', '2', '--interval-ms', '50', '--duration-ms', '600'];
  const ok = await runCli([...args, '--token-file', join(dir, 'token'), '--ws']);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /heartbeats {2}sent \d+, ok \d+, failed 0/);
  t.ok(master.reports.some((r) => r.server === 'cs2'));
  const refused = await runCli(args);
  t.equal(refused.code, 1, 'no token: every heartbeat is refused');
  const missing = await runCli([...args, '--token-file', join(dir, 'nonexistent')]);
  t.equal(missing.code, 2, 'a token file that is not there');
  t.match(missing.stderr, /chunkmaster: --token-file \S*nonexistent: ENOENT/);
  const lookAlike = await runCli([...args, '--tokens-file', join(dir, 'token')]);
  t.equal(lookAlike.code, 2);
  t.match(lookAlike.stderr, /--tokens-file is not a setting of this command .*Did you mean --token-file\?/);
});
