import t from 'tap';
import type { CoreEvent, HeartbeatReply, Leadership, Master } from '../../src/core/index.js';
import { newMaster, settle } from '../fixtures/master.js';

// CONTRACT 10: a follower ingests everything and instructs nobody; a leader instructs until its
// deadline; a new leader deletes nothing until every live server has reported to it in full.

const LEADER: Leadership = { role: 'leader', epoch: 7, leader: 'http://m1', until: 10_000 };
const FOLLOWER: Leadership = { role: 'follower', epoch: 7, leader: 'http://m2', until: 0 };

function kinds(master: Master): CoreEvent[] {
  return master.takeEvents().filter((event) => event.type === 'leader_elected' || event.type === 'leadership_lost');
}

function instructions(reply: HeartbeatReply): number {
  return reply.chunksToDelete.length + reply.chunksToReplicate.length;
}

/** Every delete any reply of `master` hands out, in order; take() empties the list. */
const handedOut = new WeakMap<Master, string[]>();

function record(master: Master): Master {
  const deletes: string[] = [];
  handedOut.set(master, deletes);
  const heartbeat = master.heartbeat.bind(master);
  master.heartbeat = (now, input) => {
    const reply = heartbeat(now, input);
    deletes.push(...reply.chunksToDelete);
    return reply;
  };
  return master;
}

function taken(master: Master): string[] {
  const deletes = handedOut.get(master) as string[];
  return deletes.splice(0, deletes.length);
}

/** RF 1 with chunk x on both servers: a delete is due as soon as the master may plan one. */
function overReplicated(leadership?: Leadership): Master {
  const master = record(newMaster({ replicationFactor: 1 }));
  if (leadership) master.setLeadership(0, leadership);
  master.heartbeat(0, { server: 's1', chunks: ['x'] });
  master.heartbeat(0, { server: 's2', chunks: ['x'] });
  return master;
}

/** Liveness heartbeats of s1 and s2 every second; returns every delete handed out so far. */
function deletesUntil(master: Master, from: number, to: number): string[] {
  for (let now = from; now <= to; now += 1000) {
    for (const server of ['s1', 's2']) master.heartbeat(now, { server });
  }
  return taken(master);
}

t.test('a master never told of an election says nothing of one', async (t) => {
  const master = overReplicated();
  const reply = master.heartbeat(1000, { server: 's1' });
  t.notOk('leadership' in reply, 'no leadership field in the reply');
  t.equal(master.leadership(1000), undefined);
  t.same(deletesUntil(master, 1000, 3000), ['x'], 'and it instructs as it always did');
});

t.test('a follower keeps the map and liveness warm but hands out nothing', async (t) => {
  const master = overReplicated(FOLLOWER);
  t.same(kinds(master), [{ type: 'leader_elected', at: 0, epoch: 7, leader: 'http://m2', self: false }]);
  const reply = master.heartbeat(1000, { server: 's1' });
  t.same(reply.leadership, { role: 'follower', epoch: 7, leader: 'http://m2' });
  t.same(deletesUntil(master, 1000, 5000), [], 'no delete from a follower');
  t.same(master.chunkLocations(5000, 'x'), ['s1', 's2'], 'reports are taken in');
  master.heartbeat(19_000, { server: 's1' });
  settle(master, 20_000);
  t.equal(master.server(20_000, 's2')?.status, 'dead', 'deaths are detected');
  t.equal(master.replicationState(20_000).pendingCopies + master.replicationState(20_000).pendingDeletes, 0, 'nothing planned');
});

t.test('a leader instructs until its deadline, then falls silent by itself', async (t) => {
  const master = overReplicated(LEADER);
  t.same(kinds(master), [{ type: 'leader_elected', at: 0, epoch: 7, leader: 'http://m1', self: true }]);
  t.equal(master.nextDeadline() !== undefined && (master.nextDeadline() as number) <= 10_000, true, 'its deadline is one of the core\'s');
  // Both servers reported after promotion (their first reports came after it), so deletes flow.
  t.same(deletesUntil(master, 1000, 3000), ['x']);
  t.same(master.heartbeat(4000, { server: 's1' }).leadership, { role: 'leader', epoch: 7, leader: 'http://m1' });
  master.tick(10_000);
  t.same(kinds(master), [{ type: 'leadership_lost', at: 10_000, epoch: 7 }], 'silent at the deadline, with no word from the election');
  t.equal(master.leadership(10_000)?.role, 'follower');
  t.equal(master.replicationState(10_000).pendingDeletes, 1, 'it still counts the delete it handed out, in case it resumes the term');
});

t.test('a leader that wakes past its deadline answers as a follower before anything else', async (t) => {
  const master = newMaster({ replicationFactor: 2 });
  master.setLeadership(0, LEADER);
  master.heartbeat(0, { server: 's1', chunks: ['y'] });
  // Stopped from 0 to 30 s: no tick ran; the first heartbeat it takes is past its deadline.
  const reply = master.heartbeat(30_000, { server: 's2', chunks: [] });
  t.equal(instructions(reply), 0);
  t.equal(reply.leadership?.role, 'follower');
});

t.test('a renewal within the term is quiet; one after the deadline resumes the same term', async (t) => {
  const master = newMaster({ replicationFactor: 2 });
  master.setLeadership(0, { ...LEADER, until: 1000 });
  master.heartbeat(0, { server: 's1', chunks: ['y'] });
  master.heartbeat(0, { server: 's2', chunks: [] });
  kinds(master);
  master.setLeadership(500, { ...LEADER, until: 1500 });
  t.same(kinds(master), [], 'no event for a renewal');
  master.tick(600);
  t.equal(master.replicationState(600).pendingCopies, 1, 'a copy is planned');
  master.tick(1500);
  t.same(kinds(master).map((event) => event.type), ['leadership_lost']);
  t.equal(master.replicationState(1500).pendingCopies, 1, 'the copy planned before is kept');
  t.equal(master.heartbeat(1500, { server: 's1' }).chunksToReplicate.length, 0, 'but not handed out while silent');
  master.setLeadership(2000, { ...LEADER, until: 100_000 });
  t.same(kinds(master), [], 'the renewal elects no one new');
  t.equal(master.heartbeat(2000, { server: 's2' }).fullReport, false, 'the same term: its map is current, no report is asked for');
  t.same(master.heartbeat(2000, { server: 's1' }).chunksToReplicate, [{ chunk: 'y', target: 's2' }], 'and it instructs again');
});

t.test('a new leader copies at once but deletes nothing until every live server has reported to it', async (t) => {
  const master = overReplicated(FOLLOWER);
  master.heartbeat(0, { server: 's3', chunks: ['z'] });
  kinds(master);
  master.setLeadership(1000, { ...LEADER, epoch: 8, until: 100_000 });
  t.same(kinds(master).map((event) => event.type), ['leader_elected']);
  const first = ['s1', 's2', 's3'].map((server) => master.heartbeat(2000, { server }));
  t.same(first.map((reply) => reply.fullReport), [true, true, true], 'every live server is asked for its list');
  t.same(first.flatMap((reply) => reply.chunksToDelete), [], 'no delete yet');
  master.heartbeat(3000, { server: 's1', chunks: ['x'] });
  master.heartbeat(3000, { server: 's3', chunks: ['z'] });
  t.same(deletesUntil(master, 4000, 6000), [], 's2 has not reported since the promotion');
  master.heartbeat(7000, { server: 's2', chunks: ['x'] });
  master.heartbeat(7000, { server: 's3' });
  t.same(deletesUntil(master, 8000, 9000), ['x'], "the last report, and each server's heartbeat after its report, let deletes go");
});

t.test('a new leader plans copies before the reports are in', async (t) => {
  const master = newMaster({ replicationFactor: 2 });
  master.setLeadership(0, FOLLOWER);
  master.heartbeat(0, { server: 's1', chunks: ['y'] });
  master.heartbeat(0, { server: 's2', chunks: [] });
  master.setLeadership(1000, { ...LEADER, epoch: 8, until: 100_000 });
  const reply = master.heartbeat(2000, { server: 's1' });
  t.same(reply.chunksToReplicate, [{ chunk: 'y', target: 's2' }]);
});

t.test('a server that dies leaves the wait, and one that joins during it must report too', async (t) => {
  const master = overReplicated(FOLLOWER);
  master.heartbeat(0, { server: 's3', chunks: ['z'] });
  master.setLeadership(1000, { ...LEADER, epoch: 8, until: 100_000 });
  master.heartbeat(2000, { server: 's1', chunks: ['x'] });
  master.heartbeat(2000, { server: 's2', chunks: ['x'] });
  master.heartbeat(2000, { server: 's4' });
  // s3 goes silent and dies at 15 s; s4 joined after the promotion and has sent no list.
  for (let now = 5000; now <= 20_000; now += 5000) {
    for (const server of ['s1', 's2', 's4']) master.heartbeat(now, { server });
  }
  settle(master, 20_000);
  t.equal(master.server(20_000, 's3')?.status, 'dead');
  t.same(deletesUntil(master, 21_000, 22_000), [], 's4 holds deletes back');
  master.heartbeat(23_000, { server: 's4', chunks: [] });
  t.same(deletesUntil(master, 24_000, 25_000), [], "its report is in, but the heartbeat after it (with the changes the report lacks) is not");
  master.heartbeat(25_500, { server: 's4' });
  t.same(deletesUntil(master, 26_000, 27_000), ['x']);
});

t.test('a leader re-elected for a new term drops the old plan and waits for reports again', async (t) => {
  const master = record(newMaster({ replicationFactor: 1 }));
  master.setLeadership(0, LEADER);
  master.heartbeat(0, { server: 's1', chunks: ['x'] });
  master.heartbeat(0, { server: 's2', chunks: ['x'] });
  // Servers first heard in a term begun by promotion are waited for too: until their heartbeat after their report.
  master.heartbeat(50, { server: 's1' });
  master.heartbeat(50, { server: 's2' });
  t.same(deletesUntil(master, 1000, 3000), ['x'], 'a delete is handed out in the old term');
  t.equal(master.replicationState(3000).pendingDeletes, 1, 'and no report has confirmed it');
  kinds(master);
  master.setLeadership(3200, { ...LEADER, epoch: 9, until: 100_000 });
  t.same(kinds(master).map((event) => event.type), ['leadership_lost', 'leader_elected'], 'the old term ends before the new one is told');
  t.equal(master.replicationState(3200).pendingDeletes, 0, 'the old term\'s plan is gone');
  t.same(deletesUntil(master, 4000, 5000), [], 'and nothing is deleted before the reports');
});

t.test('a follower told of another leader reports the change once', async (t) => {
  const master = newMaster();
  master.setLeadership(0, { role: 'follower', epoch: 0, leader: null, until: 0 });
  master.setLeadership(10, { role: 'follower', epoch: 0, leader: null, until: 0 });
  master.setLeadership(20, FOLLOWER);
  t.same(kinds(master), [
    { type: 'leader_elected', at: 0, epoch: 0, leader: null, self: false },
    { type: 'leader_elected', at: 20, epoch: 7, leader: 'http://m2', self: false },
  ]);
  t.same(master.leadership(30), { role: 'follower', epoch: 7, leader: 'http://m2' });
});
