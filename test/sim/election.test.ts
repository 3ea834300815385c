import t from 'tap';
import type { Leadership } from '../../src/core/index.js';
import { Agenda } from '../../src/sim/agenda.js';
import { type Candidate, Election, LEASE_MS } from '../../src/sim/election.js';
import { Rng } from '../../src/sim/prng.js';
import { Trace } from '../../src/sim/trace.js';

interface Fake extends Candidate {
  running: boolean;
  session: number;
  told: [number, Leadership][];
}

/** Three candidates that note what they are told; an election over them on a fresh agenda. */
function world(seed = 1) {
  const agenda = new Agenda();
  const fakes: Fake[] = ['m1', 'm2', 'm3'].map((id) => ({
    id,
    url: `http://${id}`,
    running: true,
    session: 0,
    told: [] as [number, Leadership][],
    tell(leadership: Leadership) {
      this.told.push([agenda.now, leadership]);
    },
  }));
  const trace = new Trace(true);
  const election = new Election(agenda, new Rng(seed), trace, fakes);
  const run = (until: number) => {
    while (agenda.step(until));
    agenda.now = until;
  };
  const leader = () => fakes.find((f) => f.id === election.leader?.leader) as Fake;
  return { agenda, fakes, election, trace, run, leader };
}

const last = (fake: Fake) => fake.told.at(-1)?.[1];

t.test('the first campaign makes one leader; everyone hears it, the leader with its deadline', async (t) => {
  const { fakes, election, leader } = world();
  election.start();
  const term = election.leader;
  t.ok(term !== undefined);
  t.equal(election.elections, 1);
  const chief = leader();
  t.same(last(chief), { role: 'leader', epoch: term?.epoch, leader: chief.url, until: LEASE_MS - LEASE_MS / 5 });
  for (const other of fakes.filter((f) => f !== chief)) t.same(last(other), { role: 'follower', epoch: term?.epoch, leader: chief.url, until: 0 });
});

t.test('the leader renews every third of the lease; its deadline is the renewal plus the lease less a fifth', async (t) => {
  const { election, run, leader } = world();
  election.start();
  const chief = leader();
  run(10_000);
  const renewals = chief.told.map(([at, told]) => [at, told.until]);
  t.same(renewals.slice(0, 4), [[0, 4000], [1666, 5666], [3332, 7332], [4998, 8998]]);
  t.equal(election.elections, 1, 'no one else is elected while it renews');
});

t.test('a leader that stops renewing is replaced exactly one lease after its last renewal, with a higher epoch', async (t) => {
  const { election, run, leader, fakes } = world(3);
  election.start();
  const first = election.leader;
  const chief = leader();
  run(2000);
  chief.running = false;
  const lastRenewal = election.leader?.renewed as number;
  t.equal(lastRenewal, 1666);
  run(lastRenewal + LEASE_MS - 1);
  t.equal(election.leader, first, 'not a millisecond early: the old lease may still be held');
  run(lastRenewal + LEASE_MS);
  const next = election.leader;
  t.not(next?.leader, chief.id, 'a running master wins');
  t.ok((next?.epoch as number) > (first?.epoch as number), 'a higher epoch');
  t.equal(next?.from, lastRenewal + LEASE_MS);
  for (const other of fakes.filter((f) => f.running)) t.equal(last(other)?.epoch, next?.epoch, `${other.id} hears of the new term`);
  t.equal(chief.told.filter(([at]) => at > 2000).length, 0, 'the stopped master hears nothing');
  chief.running = true;
  election.joined(chief);
  t.same(last(chief), { role: 'follower', epoch: next?.epoch, leader: `http://${next?.leader}`, until: 0 }, 'until it runs again');
});

t.test('etcd out of reach: no renewal, no election, until it is back', async (t) => {
  const { election, run, leader, fakes, trace } = world(5);
  election.start();
  const first = election.leader;
  const chief = leader();
  run(2000);
  election.setReachable(false);
  const told = fakes.map((f) => f.told.length);
  run(30_000);
  t.same(fakes.map((f) => f.told.length), told, 'nobody hears anything');
  t.equal(election.leader, undefined, 'the lease ran out regardless');
  t.equal(election.elections, 1, 'and no one was elected');
  election.setReachable(true);
  t.equal(election.elections, 2, 'back: a campaigner wins at once');
  t.ok((election.leader?.epoch as number) > (first?.epoch as number));
  t.ok(trace.lines?.some((line) => line.includes(`lease of epoch ${first?.epoch} (${chief.id}) expired`)));
});

t.test('etcd out of reach for less than the lease: the leader renews the same term when it is back', async (t) => {
  const { election, run, leader } = world(6);
  election.start();
  const first = election.leader;
  const chief = leader();
  run(2000);
  election.setReachable(false);
  run(5000);
  election.setReachable(true);
  t.equal(election.leader, first);
  t.same(last(chief), { role: 'leader', epoch: first?.epoch, leader: chief.url, until: 5000 + LEASE_MS - LEASE_MS / 5 });
  election.setReachable(true);
  t.equal(election.elections, 1);
});

t.test('a restarted leader is a new etcd session: it cannot renew the old lease, and hears it is a follower', async (t) => {
  const { election, run, leader, fakes } = world(7);
  election.start();
  const first = election.leader;
  const chief = leader();
  chief.session = 1;
  election.joined(chief);
  t.equal(last(chief)?.role, 'follower');
  run(LEASE_MS);
  t.not(election.leader, first, 'the lease of the old process lapsed');
  t.equal(election.leader?.from, LEASE_MS);
  t.ok(fakes.some((f) => last(f)?.role === 'leader'));
});

t.test('no one to elect: the term ends; the first master that runs again campaigns and wins', async (t) => {
  const { election, run, fakes } = world(8);
  election.start();
  for (const fake of fakes) fake.running = false;
  run(20_000);
  t.equal(election.leader, undefined);
  const [m1] = fakes as [Fake];
  m1.running = true;
  election.joined(m1);
  t.equal(election.leader?.leader, 'm1');
  t.equal(last(m1)?.role, 'leader');
});
