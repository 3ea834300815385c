import t from 'tap';
import {
  type ElectionEntry,
  candidateValue,
  leaderOf,
  leaderUntil,
  leadershipOf,
  leaseTtlSeconds,
  parseCandidate,
  safetyMarginMs,
  sameLeadership,
} from '../../src/ha/leadership.js';

const self = { masterId: 'm1', url: 'http://m1:7070' };
const entry = (key: string, createRevision: number, url: string): ElectionEntry => ({
  key,
  createRevision,
  value: candidateValue({ masterId: key, url }),
});

t.test('a candidate goes into its key as JSON and comes back; anything else reads as no candidate', async (t) => {
  t.same(parseCandidate(candidateValue(self)), self);
  t.equal(parseCandidate('http://m1:7070'), undefined, 'not JSON');
  t.equal(parseCandidate('null'), undefined);
  t.equal(parseCandidate('7'), undefined);
  t.equal(parseCandidate('{"masterId":"m1"}'), undefined, 'no url');
  t.equal(parseCandidate('{"masterId":1,"url":"u"}'), undefined, 'an id that is no string');
});

t.test('the lease is whole seconds, rounded up, and the margin a fifth of it, 500 ms at least', async (t) => {
  t.equal(leaseTtlSeconds(5000), 5);
  t.equal(leaseTtlSeconds(4500), 5, 'never shorter than asked');
  t.equal(leaseTtlSeconds(1), 1);
  t.equal(leaseTtlSeconds(0), 1, 'etcd grants no less than a second');
  t.equal(safetyMarginMs(5), 1000);
  t.equal(safetyMarginMs(10), 2000);
  t.equal(safetyMarginMs(1), 500);
  t.equal(safetyMarginMs(2), 500);
});

t.test("a leader's deadline counts from the renewal's sending, less the margin", async (t) => {
  t.equal(leaderUntil(10_000, 5), 14_000);
  t.equal(leaderUntil(10_000, 1), 10_500);
  for (const ttl of [1, 2, 5, 30]) t.ok(leaderUntil(0, ttl) < ttl * 1000 && leaderUntil(0, ttl) > 0, `${ttl} s: inside the lease`);
});

t.test('the leader is the key created first', async (t) => {
  t.equal(leaderOf([]), undefined);
  const a = entry('a', 12, 'http://a');
  const b = entry('b', 7, 'http://b');
  const c = entry('c', 30, 'http://c');
  t.equal(leaderOf([a, b, c]), b);
  t.equal(leaderOf([c, a]), a);
});

t.test('what is told: our won term, else whom etcd shows first, else nobody with the last epoch', async (t) => {
  const other = entry('k2', 40, 'http://m2:7070');
  const term = { key: 'k1', epoch: 41, renewedAt: 1000 };
  t.same(leadershipOf(term, self, [other], 40, 5), { role: 'leader', epoch: 41, leader: 'http://m1:7070', until: 5000 });
  t.same(leadershipOf(undefined, self, [other], 12, 5), { role: 'follower', epoch: 40, leader: 'http://m2:7070', until: 0 });
  t.same(leadershipOf(undefined, self, [], 40, 5), { role: 'follower', epoch: 40, leader: null, until: 0 }, 'the epoch does not go back while nobody leads');
  const foreign = { key: 'k3', createRevision: 50, value: 'garbage' };
  t.same(leadershipOf(undefined, self, [foreign], 40, 5), { role: 'follower', epoch: 50, leader: null, until: 0 }, 'a leader whose value is not ours: its term, no URL');
});

t.test('a renewal is a change: only the very same report is not', async (t) => {
  const told = { role: 'leader' as const, epoch: 3, leader: 'u', until: 100 };
  t.notOk(sameLeadership(undefined, told), 'nothing told yet');
  t.ok(sameLeadership(told, { ...told }));
  t.notOk(sameLeadership(told, { ...told, until: 200 }));
  t.notOk(sameLeadership(told, { ...told, role: 'follower' }));
  t.notOk(sameLeadership(told, { ...told, epoch: 4 }));
  t.notOk(sameLeadership(told, { ...told, leader: null }));
});
