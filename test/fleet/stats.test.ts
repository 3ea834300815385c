import t from 'tap';
import { FleetStats, percentile } from '../../src/fleet/stats.js';

t.test('percentiles and an empty summary', async (t) => {
  t.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  t.equal(percentile([5, 1, 3, 2, 4], 100), 5);
  t.equal(percentile([5, 1, 3, 2, 4], 0), 1);
  t.ok(Number.isNaN(percentile([], 50)));
  const stats = new FleetStats();
  t.match(stats.summary(0), /latency ms {2}p50 -, p90 -, p99 -, max -/);
  t.notMatch(stats.progressLine(0), /dead seen/);
  stats.killed = 2;
  stats.latenciesMs.push(12.345);
  t.match(stats.progressLine(1500), /^fleet 1\.5 s .*p99 12 ms.*full 0 {2}incr 0 {2}dead seen 0\/2$/);
  t.match(stats.summary(0), /reports {5}full 0 \(0 parts\), asked for 0; incremental 0 carrying 0 changes/);
});

t.test('percentile is the nearest rank: always one of the values, never an interpolation', async (t) => {
  const values = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  t.equal(percentile(values, 90), 9, 'ceil(0.9 * 10) = the 9th smallest');
  t.equal(percentile(values, 91), 10);
  t.equal(percentile(values, 1), 1);
  t.equal(percentile(values, 50), 5);
  t.equal(percentile([1, 100], 50), 1, 'not their mean');
  t.equal(percentile([7], 99), 7);
  t.equal(percentile(values, -5), 1, 'below 0 is the minimum');
  t.equal(percentile(values, 150), 10, 'above 100 the maximum');
  t.same(values, [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 'the values are left in their order');
  t.equal(percentile([2, 10, 1], 100), 10, 'sorted as numbers, not as strings');
});

t.test('a run\'s summary and progress line show its counters, latencies and deaths', async (t) => {
  const stats = new FleetStats();
  Object.assign(stats, { sent: 10, ok: 8, failed: 2, skipped: 1, copies: 3, copiesFailed: 1, deletes: 2, killed: 1, deathsSeen: 1, revived: 1 });
  stats.latenciesMs.push(1, 2, 3, 20);
  stats.detectionMs.push(15500, 15000);
  t.equal(stats.progressLine(2000), 'fleet 2.0 s  sent 10  ok 8  failed 2  p99 20 ms  copies 3  deletes 2  full 0  incr 0  dead seen 1/1  revived 1');
  t.equal(
    stats.summary(2000),
    [
      'fleet summary after 2.0 s',
      '  heartbeats  sent 10, ok 8, failed 2, skipped 1 (4/s)',
      '  latency ms  p50 2.00, p90 20, p99 20, max 20',
      '  deaths      killed 1, seen dead 1, revived 1, detected 15000..15500 ms after the last heartbeat',
      '  copies      done 3, failed 1; deletes done 2',
      '  reports     full 0 (0 parts), asked for 0; incremental 0 carrying 0 changes',
      '',
    ].join('\n'),
    'latencies under 10 ms get two decimals; no last error line without an error',
  );
  stats.lastError = 'connect ECONNREFUSED';
  t.match(stats.summary(2000), /\n {2}last error {2}connect ECONNREFUSED\n$/);
});

t.test('several masters: a line each, with its answers, failures, stale-epoch instructions ignored and last epoch', async (t) => {
  const stats = new FleetStats();
  const a = stats.addMaster('http://a:1');
  t.notMatch(stats.summary(1000), /master/, 'one master: its line would repeat the heartbeats line');
  Object.assign(a, { answered: 9, failed: 1, staleInstructionsIgnored: 0 });
  const b = stats.addMaster('http://b:2');
  Object.assign(b, { answered: 7, failed: 0, staleInstructionsIgnored: 3, epoch: 4, role: 'follower' });
  stats.staleInstructionsIgnored = 3;
  t.match(
    stats.summary(1000),
    [
      '  master      http://a:1: answered 9, failed 1, stale-epoch instructions ignored 0',
      '  master      http://b:2: answered 7, failed 0, stale-epoch instructions ignored 3; last reply epoch 4, follower',
      '',
    ].join('\n'),
  );
  t.match(stats.progressLine(1000), /  stale ignored 3$/);
  const one = new FleetStats();
  Object.assign(one.addMaster('http://a:1'), { staleInstructionsIgnored: 2, epoch: 1 });
  one.staleInstructionsIgnored = 2;
  t.match(one.summary(1000), /master {6}http:\/\/a:1: answered 0, failed 0, stale-epoch instructions ignored 2; last reply epoch 1, no role\n/, 'one master shows its line when it had instructions ignored');
});

t.test('instructions obeyed: per master, per epoch, and those of an epoch another server had seen superseded', async (t) => {
  const stats = new FleetStats();
  const [a, b] = [stats.addMaster('http://a:1'), stats.addMaster('http://b:2')];
  stats.obeyed(a, undefined, undefined, 2);
  t.same([a.obeyed, stats.obeyedByEpoch.size], [2, 0], 'no epoch: a single master, counted for it alone');
  t.notMatch(stats.summary(1000), /epochs/);
  stats.obeyed(a, 5, 5, 3);
  stats.obeyed(b, 5, 7, 1);
  stats.obeyed(b, 7, 7, 4);
  stats.obeyed(b, 7, 7, 0);
  t.same([a.obeyed, b.obeyed, stats.obeyedBehindNewest], [5, 5, 1]);
  t.same([...stats.obeyedByEpoch], [[5, 4], [7, 4]]);
  t.match(stats.summary(1000), /\n {2}epochs {6}instructions obeyed: 4 of epoch 5, 4 of epoch 7; of an epoch already superseded 1\n$/);
});
