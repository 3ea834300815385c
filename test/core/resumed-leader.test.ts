import t from 'tap';
import type { Leadership } from '../../src/core/index.js';
import { newMaster, settle } from '../fixtures/master.js';

// Found by the simulator (it failed on the first cut of leader roles):
// `chunkmaster simulate --seed 306 --servers 6 --chunks 120 --minutes 15 --masters 3` (and other seeds of
// `simulate --sweep 500 --masters 3`). etcd is out of reach for a little less than the lease: the leader's
// deadline passes, Command.changed('demoted') calls planner.abandon(), whose serverLost() drops every pending
// delete, delivered ones included, which otherwise never time out ("only the victim's own report can tell",
// planner.ts); etcd back, the leader renews and resumes the same term ('resumed': no wait for full reports).
// A delete it handed out before its deadline, carried out but not reported yet, is forgotten: its map still
// counts that replica, so it deletes another (the fullest disk is now the other one) and the chunk falls
// below target RF; here, at RF 1, its last copy is gone.

const LEADER: Leadership = { role: 'leader', epoch: 7, leader: 'http://m1', until: 10_000 };

t.test('a leader that resumes its term still counts the deletes it handed out before its deadline', async (t) => {
  const master = newMaster({ replicationFactor: 1 });
  master.setLeadership(0, LEADER);
  const disks = new Map([['s1', new Set(['x'])], ['s2', new Set(['x'])]]);
  /** A heartbeat (with the server's list when `report`), whose deletes the server carries out; the fuller disk is asked first. */
  const obey = (now: number, server: string, report = false) => {
    settle(master, now);
    const chunks = report ? [...(disks.get(server) ?? [])] : undefined;
    const diskUsagePct = (disks.get(server)?.size ?? 0) * 40 + (server === 's1' ? 10 : 20);
    for (const chunk of master.heartbeat(now, { server, chunks, diskUsagePct }).chunksToDelete) disks.get(server)?.delete(chunk);
  };
  obey(0, 's1', true);
  obey(0, 's2', true);
  for (let now = 1000; now <= 5000; now += 1000) {
    obey(now, 's1');
    obey(now, 's2');
  }
  t.same([...disks.values()].map((disk) => disk.size).sort(), [0, 1], 'one excess copy deleted, no report of it yet');
  master.tick(10_000);
  t.equal(master.leadership(10_000)?.role, 'follower', 'silent at its deadline');
  master.setLeadership(11_000, { ...LEADER, until: 100_000 });
  t.equal(master.leadership(11_000)?.role, 'leader', 'the same term resumed');
  for (let now = 12_000; now <= 16_000; now += 1000) {
    obey(now, 's1');
    obey(now, 's2');
  }
  t.same([...disks.values()].map((disk) => disk.size).sort(), [0, 1], 'the other copy is kept');
});
