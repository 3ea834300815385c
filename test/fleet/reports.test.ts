import t from 'tap';
import { type ChunkServer, ChunkServers, type HeartbeatAnswer } from '../../src/fleet/chunk-servers.js';
import { Reporter, type ReportOptions } from '../../src/fleet/reports.js';
import { FleetStats } from '../../src/fleet/stats.js';

const OK: HeartbeatAnswer = { status: 'alive', chunks_to_delete: [], chunks_to_replicate: [], full_report: false };
const ASKS_FULL: HeartbeatAnswer = { ...OK, full_report: true };

function setup(options: Partial<ReportOptions> = {}, servers = 6, chunks = 4) {
  const fleet = new ChunkServers(servers, chunks);
  const stats = new FleetStats();
  const reporter = new Reporter(fleet, { report: 'incremental', reportPartSize: 10_000, ...options }, stats.reports);
  const server = fleet.servers[0] as ChunkServer;
  /** One heartbeat of `server`, answered with `answer`, or failed without one. */
  const exchange = (answer: HeartbeatAnswer | 'fails' = OK) => {
    const { body, sent } = reporter.next(server);
    if (answer !== 'fails') reporter.accepted(server, sent, answer);
    return body;
  };
  return { fleet, stats, reporter, server, exchange };
}

t.test('incremental: a full list at first contact, then only what changed', async (t) => {
  const { fleet, stats, server, exchange } = setup();
  const first = [...server.chunks];
  t.same(exchange(), { server: 'cs0', chunks: first, disk_usage_pct: 50, health: 'healthy' }, 'first contact: the full list, in one piece');
  t.same(exchange(), { server: 'cs0', disk_usage_pct: 50, health: 'healthy' }, 'nothing changed: a liveness-only heartbeat');
  fleet.apply(server, { ...OK, chunks_to_delete: [first[0] as string] });
  fleet.apply(fleet.servers[1] as ChunkServer, { ...OK, chunks_to_replicate: [{ chunk: [...(fleet.servers[1] as ChunkServer).chunks][0] as string, target: 'cs0' }] });
  const added = [...server.chunks].at(-1) as string;
  t.same(exchange(), { server: 'cs0', chunks_added: [added], chunks_removed: [first[0]], disk_usage_pct: 50, health: 'healthy' }, 'a delete and a copy');
  t.same(exchange(), { server: 'cs0', disk_usage_pct: 50, health: 'healthy' }, 'accepted changes are not sent again');
  t.same(
    [stats.reports.full, stats.reports.parts, stats.reports.incremental, stats.reports.changes, stats.reports.asked],
    [1, 1, 3, 2, 0],
  );
});

t.test('a failed request\'s changes are sent again; a change made while one is in flight stays owed', async (t) => {
  const { fleet, reporter, server, exchange } = setup();
  exchange();
  const [a, b] = [...server.chunks] as [string, string];
  fleet.apply(server, { ...OK, chunks_to_delete: [a] });
  t.same(exchange('fails').chunks_removed, [a]);
  t.same(exchange('fails').chunks_removed, [a], 'still owed after a failure');
  const { body, sent } = reporter.next(server);
  t.same(body.chunks_removed, [a]);
  // While that heartbeat is in flight: a comes back (a copy) and b goes.
  fleet.apply(fleet.servers[2] as ChunkServer, { ...OK, chunks_to_replicate: [{ chunk: a, target: 'cs0' }] });
  fleet.apply(server, { ...OK, chunks_to_delete: [b] });
  reporter.accepted(server, sent, OK);
  const next = exchange();
  t.same([next.chunks_added, next.chunks_removed], [[a], [b]], 'the master heard a go, not come back, nor b go');
  t.same(Object.keys(exchange()), ['server', 'disk_usage_pct', 'health']);
});

t.test('full_report: true brings a full list at the next heartbeat; changes made before it are covered by it', async (t) => {
  const { fleet, stats, server, exchange } = setup();
  exchange();
  fleet.apply(server, { ...OK, chunks_to_delete: [[...server.chunks][0] as string] });
  t.ok(exchange(ASKS_FULL).chunks_removed, 'an incremental heartbeat, answered with full_report: true');
  fleet.apply(server, { ...OK, chunks_to_delete: [[...server.chunks][0] as string] });
  t.same(exchange().chunks, [...server.chunks], 'a full list, without the chunk just deleted');
  t.same(Object.keys(exchange()), ['server', 'disk_usage_pct', 'health'], 'the full list covered that delete');
  t.same([stats.reports.full, stats.reports.asked], [2, 1]);
  exchange(ASKS_FULL);
  t.ok(exchange().chunks, 'and again when asked again');
});

t.test('a full list past --report-part-size goes in parts, one a heartbeat, under one fresh id', async (t) => {
  const { fleet, stats, server, exchange } = setup({ reportPartSize: 3 }, 3, 8);
  const disk = [...server.chunks];
  const parts = [exchange(ASKS_FULL), exchange('fails'), exchange(), exchange()];
  t.same(parts.map((p) => p.report?.part), [0, 1, 1, 2], 'a failed part is sent again; a full_report: true before the last part changes nothing');
  t.ok(parts.every((p) => p.report?.parts === 3 && p.report.id === parts[0]?.report?.id));
  t.same(parts.map((p) => p.chunks?.length), [3, 3, 3, 2]);
  t.same([...new Set(parts.flatMap((p) => p.chunks ?? []))], disk, 'the parts make up the list');
  t.equal(exchange().chunks, undefined, 'done: incremental again');

  exchange(ASKS_FULL);
  const during = [exchange()];
  fleet.apply(server, { ...OK, chunks_to_delete: [disk[0] as string] });
  during.push(exchange(), exchange());
  t.same(during.map((p) => p.report?.part), [0, 1, 2], 'a second report');
  t.not(during[0]?.report?.id, parts[0]?.report?.id, 'under a fresh id');
  t.ok(during[0]?.chunks?.includes(disk[0] as string), 'the list as it was when the report began');
  t.same(exchange().chunks_removed, [disk[0]], 'a change made during the report follows it');

  exchange(ASKS_FULL);
  t.same([exchange().report?.part, exchange().report?.part, exchange(ASKS_FULL).report?.part], [0, 1, 2]);
  t.equal(exchange().report?.part, 0, 'full_report: true on the last part asks for another report');
  t.same([stats.reports.full, stats.reports.parts], [3, 10]);
});

t.test('a list in one part carries no report field, and an empty disk reports an empty list', async (t) => {
  t.same(setup({ reportPartSize: 4 }, 3, 4).exchange().report, undefined);
  t.same(setup({}, 3, 0).exchange().chunks, []);
});

t.test('--report full: a full list every heartbeat, in parts when long', async (t) => {
  const { stats, exchange } = setup({ report: 'full', reportPartSize: 2 }, 3, 3);
  const beats = [exchange(), exchange(), exchange(), exchange()];
  t.same(beats.map((b) => [b.report?.part, b.chunks?.length]), [[0, 2], [1, 1], [0, 2], [1, 1]]);
  t.not(beats[2]?.report?.id, beats[0]?.report?.id);
  t.same([stats.reports.full, stats.reports.incremental], [2, 0]);
});

t.test('a restarted server drops its report under way and begins a fresh full one', async (t) => {
  const { fleet, reporter, server, exchange } = setup({ reportPartSize: 2 }, 3, 4);
  const [a, b] = [...server.chunks] as [string, string];
  fleet.apply(server, { ...OK, chunks_to_delete: [a] });
  const started = reporter.next(server);
  fleet.apply(server, { ...OK, chunks_to_delete: [b] });
  reporter.restart(server);
  t.same([...(server.changed[0] as Set<string>)], [b, a], 'the dropped report\'s changes are owed again');
  reporter.accepted(server, started.sent, OK);
  t.same(started.body.report?.parts, 2);
  t.same(exchange().chunks, [...server.chunks], 'a fresh report of the disk as it is now, in one part');
  t.same(Object.keys(exchange()), ['server', 'disk_usage_pct', 'health'], 'the fresh report covered every change');
  reporter.restart(server);
  t.ok(exchange().chunks, 'a restart between reports also begins with a full one');
});

t.test('two masters: each is owed every change, and a full report one asks for covers its own changes only', async (t) => {
  const fleet = new ChunkServers(3, 4, { masters: 2 });
  const stats = new FleetStats();
  const [toA, toB] = [0, 1].map((nth) => new Reporter(fleet, { report: 'incremental', reportPartSize: 10_000 }, stats.reports, nth)) as [Reporter, Reporter];
  const server = fleet.servers[0] as ChunkServer;
  const exchange = (reporter: Reporter, answer: HeartbeatAnswer = OK) => {
    const { body, sent } = reporter.next(server);
    reporter.accepted(server, sent, answer);
    return body;
  };
  t.ok(exchange(toA).chunks, 'a full list to A at first contact');
  t.ok(exchange(toB).chunks, 'and to B');
  const [a, b] = [...server.chunks] as [string, string];
  fleet.apply(server, { ...OK, chunks_to_delete: [a] });
  t.same(exchange(toA, ASKS_FULL).chunks_removed, [a], 'A hears of the delete, and asks for a full report');
  fleet.apply(server, { ...OK, chunks_to_delete: [b] });
  t.same(exchange(toA).chunks, [...server.chunks], 'A gets its full list');
  t.same(exchange(toB).chunks_removed, [a, b], 'B, which did not ask, hears both deletes as changes');
  t.same([exchange(toA), exchange(toB)].map((body) => Object.keys(body)), [['server', 'disk_usage_pct', 'health'], ['server', 'disk_usage_pct', 'health']], 'nothing owed to either');
  t.same(server.changed.map((owed) => owed.size), [0, 0]);
});
