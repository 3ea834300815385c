import t from 'tap';
import type { ChunkServers } from '../../src/fleet/chunk-servers.js';
import { runFleet } from '../../src/fleet/fleet.js';
import { defaultFleetConfig, type FleetConfig } from '../../src/runtime/config.js';
import { startFakeMaster } from '../fixtures/fake-master.js';
import { type Report, type TestMaster, mapMismatches, startRealMaster } from '../fixtures/real-master.js';

function capture() {
  const out = { text: '', write: (s: string) => (out.text += s) };
  return out;
}

const INTERVAL_MS = 40;
/** About one chunk written and one deleted per heartbeat of each server (three replicas each). */
const CHURN = Math.round((3 * 60_000) / INTERVAL_MS);
/** A master that calls no server dead within a test. */
const PATIENT = { heartbeatIntervalMs: 1000, deadAfterMissed: 3 };

function config(url: string, overrides: Partial<FleetConfig> = {}): FleetConfig {
  return { ...defaultFleetConfig(), urls: [url], servers: 4, chunksPerServer: 6, intervalMs: INTERVAL_MS, durationMs: 1000, connections: 2, churnPerMin: CHURN, ...overrides };
}

/** Runs the fleet and hands back its servers with the counters. */
async function run(settings: FleetConfig) {
  const seen: { fleet?: ChunkServers } = {};
  const stdout = capture();
  const stats = await runFleet(settings, undefined, { stdout, stderr: capture(), inspect: (fleet) => (seen.fleet = fleet) });
  return { stats, fleet: seen.fleet as ChunkServers, summary: stdout.text };
}

const changesIn = (r: Report) => [...(r.chunks_added ?? []), ...(r.chunks_removed ?? [])];

for (const ws of [false, true]) {
  t.test(`incremental over ${ws ? 'WebSocket' : 'HTTP'}: one full list each, then changes; the master's map ends equal to the disks`, async (t) => {
    const master = await startRealMaster({ core: PATIENT });
    t.teardown(() => master.close());
    const { stats, fleet, summary } = await run(config(master.url, { ws }));
    t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
    t.equal(master.reports.filter((r) => r.chunks !== undefined).length, 4, 'a full list from each server at first contact, and no more');
    t.same([stats.reports.full, stats.reports.parts, stats.reports.asked], [4, 4, 0]);
    t.equal(stats.reports.incremental, stats.ok - 4);
    t.ok(stats.reports.changes > 4 * 10, `churn made changes, and they were sent (${stats.reports.changes})`);
    t.equal(stats.reports.changes, master.reports.reduce((n, r) => n + changesIn(r).length, 0), 'the counters add up to what the master received');
    t.ok(master.reports.every((r) => r.chunks === undefined || (r.chunks_added === undefined && r.chunks_removed === undefined)), 'never a full list with changes');
    t.same(await mapMismatches(master, fleet), []);
    t.match(summary, /reports {5}full 4 \(4 parts\), asked for 0; incremental \d+ carrying \d+ changes/);
  });
}

t.test('--report-part-size: full reports in parts, each under its own id; the map ends equal to the disks', async (t) => {
  const master = await startRealMaster({ core: PATIENT });
  t.teardown(() => master.close());
  const { stats, fleet } = await run(config(master.url, { chunksPerServer: 10, reportPartSize: 4 }));
  t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
  const parts = master.reports.filter((r) => r.report !== undefined);
  t.same([stats.reports.full, stats.reports.parts], [4, parts.length]);
  for (const server of fleet.servers) {
    const own = parts.filter((r) => r.server === server.id);
    const count = own[0]?.report?.parts ?? 0;
    t.ok(count >= 2, `${server.id}: about ten handles in parts of four (${count} parts)`);
    t.same(own.map((r) => r.report?.part), [...Array(count).keys()], `${server.id}: every part once, in order`);
    t.ok(own.every((r) => r.report?.parts === count && r.report.id === own[0]?.report?.id && (r.chunks?.length ?? 0) <= 4));
  }
  t.equal(new Set(parts.map((r) => r.report?.id)).size, 4, 'a fresh id per report');
  t.equal(master.reports.filter((r) => r.chunks !== undefined && r.report === undefined).length, 0, 'every full list went in parts');
  t.same(await mapMismatches(master, fleet), []);
});

t.test('the parts of a full report go back to back, not one an interval', async (t) => {
  const master = await startRealMaster({ core: PATIENT });
  t.teardown(() => master.close());
  // First heartbeats are spread over the interval (0, 0.5, 1, 1.5 s): each server has one before the run ends, and one part a heartbeat would get one part of three out.
  const { stats } = await run(config(master.url, { chunksPerServer: 10, reportPartSize: 4, intervalMs: 2000, durationMs: 1900, churnPerMin: 0 }));
  t.equal(stats.reports.full, 4, 'every server finished its report within the first interval');
  t.equal(stats.reports.parts, master.reports.filter((r) => r.report !== undefined).length);
});

t.test('a full report asked for follows the answer at once (fake master)', async (t) => {
  const master = await startFakeMaster({ instruct: (r, nth) => (r.server !== 'cs0' ? {} : { full_report: nth === 2 }) });
  t.teardown(() => master.close());
  await run(config(master.url, { intervalMs: 1000, durationMs: 1500, churnPerMin: 0 }));
  const cs0 = master.reports.filter((r) => r.server === 'cs0');
  t.same(cs0.slice(0, 3).map((r) => r.chunks !== undefined), [true, false, true], 'asked in its second heartbeat, it sends its list straight after');
  t.equal(cs0.length, 3, 'at once: the next heartbeat was due at 2 s, after the run');
});

t.test('--report full: a full list every heartbeat, churn and all', async (t) => {
  const master = await startRealMaster({ core: PATIENT });
  t.teardown(() => master.close());
  const { stats, fleet } = await run(config(master.url, { report: 'full' }));
  t.equal(stats.failed, 0, stats.lastError ?? 'no failures');
  t.ok(master.reports.every((r) => r.chunks !== undefined && changesIn(r).length === 0));
  t.same([stats.reports.full, stats.reports.incremental], [stats.ok, 0]);
  t.same(await mapMismatches(master, fleet), []);
});

t.test('a master restart: heartbeats fail while it is down, then the new master asks each server for a full report; its map ends equal to the disks', async (t) => {
  const first = await startRealMaster({ core: PATIENT });
  const port = Number(new URL(first.url).port);
  const restart: { master?: TestMaster } = {};
  t.teardown(() => restart.master?.close());
  setTimeout(() => void first.close(), 400);
  setTimeout(() => void startRealMaster({ core: PATIENT, port }).then((master) => (restart.master = master)), 600);
  // Long enough for every server to meet the new master even on a loaded machine.
  const { stats, fleet } = await run(config(first.url, { durationMs: 3000 }));
  t.ok(stats.failed > 0, `heartbeats failed while no master listened (${stats.failed})`);
  const restarted = restart.master as TestMaster;
  t.ok(restarted.reports.length > 0);
  t.equal(stats.reports.asked, 4, 'the new master asked each server for its list, once');
  t.equal(stats.reports.full, 8, 'each server sent one full report to each master');
  t.equal(restarted.reports.filter((r) => r.chunks !== undefined).length, 4);
  t.same(await mapMismatches(restarted, fleet), [], 'the new master\'s map equals the disks');
});

t.test('a refused heartbeat\'s changes come again in the next; full_report: true brings a full list next (fake master)', async (t) => {
  for (const ws of [false, true]) {
    const master = await startFakeMaster({ instruct: (r, nth) => (r.server !== 'cs0' ? {} : { fail: nth === 3, full_report: nth === 5 }) });
    t.teardown(() => master.close());
    const { stats } = await run(config(master.url, { ws, durationMs: 500 }));
    const cs0 = master.reports.filter((r) => r.server === 'cs0');
    const [failed, after] = [cs0[2] as Report, cs0[3] as Report];
    t.ok(changesIn(failed).length > 0, 'the refused heartbeat carried changes');
    t.ok(changesIn(failed).every((chunk) => changesIn(after).includes(chunk)), 'the next one carries them again');
    t.same(cs0.slice(0, 7).map((r) => r.chunks !== undefined), [true, false, false, false, false, true, false], 'full at first contact and after the ask');
    t.equal(stats.failed, 1);
    t.match(stats.lastError, ws ? /error: told to fail/ : /HTTP 503/);
  }
});
