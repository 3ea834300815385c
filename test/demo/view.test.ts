import t from 'tap';
import { DemoView, type MasterEvent, type ReplicationView } from '../../src/demo/view.js';
import { FleetStats } from '../../src/fleet/stats.js';
import { defaultFleetConfig } from '../../src/runtime/config.js';

function viewOf() {
  const lines: string[] = [];
  const fleet = { ...defaultFleetConfig(), servers: 4, chunksPerServer: 3, intervalMs: 100, durationMs: 5000, kill: { count: 1, atMs: 1000 }, reviveAfterMs: 2000 };
  const view = new DemoView({ fleet, deadAfterMs: 300, safeModeMs: 200 }, (line) => lines.push(line));
  return { view, lines };
}

function replication(priorities: string[], extra: Partial<ReplicationView> = {}): ReplicationView {
  const count = (priority: string) => priorities.filter((p) => p === priority).length;
  const totals = { missing: count('missing'), critical: count('critical'), normal: count('normal') };
  return { safe_mode: false, brake_engaged: false, pending_copies: 0, totals, ...extra };
}

t.test('the view narrates events, replication changes and fleet progress once each', async (t) => {
  const { view, lines } = viewOf();
  view.intro('http://x');
  t.match(lines.join('\n'), /1 servers go silent at 1\.0 s and come back 2\.0 s later; the run ends at 5\.0 s/);
  lines.length = 0;
  for (const server of ['a', 'b', 'c', 'd']) view.event({ type: 'server_alive', server, at: 0, revived: false }, 100);
  view.event({ type: 'server_alive', server: 'a', at: 0, revived: false }, 150);
  view.flushAlive(200);
  view.flushAlive(300);
  view.event({ type: 'safe_mode_exited', at: 0 }, 400);
  view.replication(replication([], { safe_mode: true }), 400);
  view.replication(replication([], { safe_mode: true }), 450);
  const stats = new FleetStats();
  stats.killed = 1;
  stats.killedServers.push('a');
  view.fleet(stats, 1000);
  view.event({ type: 'server_dead', server: 'a', at: 0, lost_replicas: 3 }, 1300);
  view.event({ type: 'brake_engaged', at: 0, dead: 3, known: 4 }, 1300);
  view.event({ type: 'brake_released', at: 0, dead: 1, known: 4 }, 1400);
  view.event({ type: 'chunks_missing', at: 0, count: 8, examples: Array.from({ length: 8 }, (_, i) => `ch_${i}`) }, 1400);
  view.event({ type: 'server_reaped', server: 'a', at: 0, replicas: 3, chunks_missing: 0, examples: [] }, 1400);
  view.replication(replication(['missing', 'critical', 'normal', 'normal'], { pending_copies: 2, brake_engaged: true }), 1500);
  stats.copies = 3;
  view.fleet(stats, 1600);
  stats.revived = 1;
  stats.deletes = 2;
  view.fleet(stats, 3000);
  view.event({ type: 'server_alive', server: 'a', at: 0, revived: true }, 3000);
  view.event({ type: 'unknown_event' } as unknown as MasterEvent, 3000);
  const text = lines.join('\n');
  t.match(text, /\[ {2}0\.2 s\] 4 servers alive \(a, b, c, d\); 4 known/);
  t.equal(text.match(/servers alive/g)?.length, 1, 'first registrations once, in one line');
  t.match(text, /safe mode over/);
  t.equal(text.match(/safe mode\n|safe mode$/gm)?.length, 1, 'an unchanged replication state is not repeated');
  t.match(text, /fleet: 1 servers went silent \(a\)/);
  t.match(text, /DEAD {2}a: 3 replicas no longer count/);
  t.match(text, /BRAKE on: too many dead, re-replication paused \(3\/4 dead\)/);
  t.match(text, /brake off: re-replication resumes \(1\/4 dead\)/);
  t.equal(text.match(/MISSING/g)?.length, 1, 'missing chunks: one line, the first few by name');
  t.match(text, /MISSING {2}8 chunks have no live replica \(ch_0, ch_1, ch_2, ch_3, ch_4, ch_5, \.\.\.\)/);
  t.match(text, /4 chunks under-replicated \(1 missing, 1 critical, 2 normal\), 2 copies pending, BRAKE/);
  t.match(text, /fleet: 3 copies made \(3 in all\)/);
  t.match(text, /fleet: 1 servers came back/);
  t.match(text, /fleet: 2 replicas deleted \(2 in all\)/);
  t.match(text, /ALIVE again {2}a/);

  stats.ok = 10;
  stats.detectionMs.push(310, 340);
  stats.copiesFailed = 1;
  stats.deathsSeen = 1;
  view.replication(replication([]), 4000);
  t.ok(view.passed(stats));
  const summary = view.summary(stats, 5000);
  t.match(summary, /deaths +1 silenced at 1\.0 s; 1 called dead on the event stream, 310\.\.340 ms after their last heartbeat/);
  t.match(summary, /replication +at most 4 chunks under-replicated; 0 at the end/);
  t.match(summary, /copies +3 made by the fleet as asked, 1 failed/);
  t.match(summary, /revived +1 at 3\.0 s; 2 surplus replicas deleted as asked/);
  t.match(summary, /result +OK/);
});

t.test('the view fails a run with a false death, an unseen death or a failed heartbeat', async (t) => {
  const stats = new FleetStats();
  stats.ok = 5;
  stats.killed = 1;
  stats.killedServers.push('a');
  const unseen = viewOf().view;
  t.notOk(unseen.passed(stats), 'the silenced server was never called dead');
  t.match(unseen.summary(stats, 1000), /result +FAILED/);

  const { view } = viewOf();
  view.event({ type: 'server_dead', server: 'a', at: 0, lost_replicas: 1 }, 10);
  t.ok(view.passed(stats));
  for (let i = 0; i < 7; i++) view.event({ type: 'server_dead', server: `live${i}`, at: 0, lost_replicas: 1 }, 10);
  t.same(view.falseDeaths(stats).length, 7);
  t.notOk(view.passed(stats));
  const summary = view.summary(stats, 1000);
  t.match(summary, /false deaths +7 \(live0, live1, live2, live3, live4, live5, \.\.\.\)/);
  t.match(summary, /copies +none asked for/);
  t.match(summary, /no deletes asked for/);
  t.match(summary, /latency p50 -, p99 -/);

  const quiet = viewOf().view;
  const failed = new FleetStats();
  failed.ok = 3;
  failed.failed = 1;
  t.notOk(quiet.passed(failed));
  failed.failed = 0;
  t.ok(quiet.passed(failed));
  t.match(quiet.summary(failed, 10), /replication +at most 0 chunks under-replicated; \? at the end/);
});
