import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { DemoView, type MasterEvent, type ReplicationView } from '../../src/demo/view.js';
import { FleetStats } from '../../src/fleet/stats.js';
import { defaultFleetConfig } from '../../src/runtime/config.js';
import { runCli } from '../fixtures/cli.js';

const MAIN = fileURLToPath(new URL('../../src/demo/main.ts', import.meta.url));

function runDemoCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Deaths after 750 ms of silence: room for a busy test machine's stalls.
const TINY = [
  '--servers', '6', '--chunks-per-server', '4', '--interval-ms', '250', '--heartbeat-interval-ms', '250',
  '--safe-mode-ms', '200', '--kill', '2@1', '--revive-after-ms', '1500', '--duration-ms', '4000',
];

t.test('the demo runs a daemon and a tiny fleet, narrates deaths and revivals, and exits 0', async (t) => {
  const result = await runDemoCli(TINY);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /daemon at http:\/\/127\.0\.0\.1:\d+ and 6 simulated chunk servers/);
  t.match(result.stdout, /the daemon logged its settings: heartbeatIntervalMs 250, deadAfterMissed 3, replicationFactor 3, safeModeMs 200, /);
  t.match(result.stdout, / 8 chunks x 3 replicas, heartbeats every 250 ms, dead after 750 ms of silence, safe mode 200 ms/);
  t.match(result.stdout, /\] 6 servers alive/);
  t.match(result.stdout, /\] fleet: 2 servers went silent \(cs0, cs1\)/);
  t.match(result.stdout, /\] DEAD {2}cs0: 4 replicas no longer count/);
  t.match(result.stdout, /\] DEAD {2}cs1: 4 replicas no longer count/);
  // A death triggers a poll of GET /replication: its chunks are short before any copy can restore them.
  t.match(result.stdout, /\] DEAD {2}cs\d: 4 replicas no longer count\n(.*\n)*?\[[ \d.]+ s\] replication: [1-9]\d* chunks under-replicated/, 'the deaths leave chunks short');
  t.match(result.stdout, /\] fleet: [1-9]\d* copies made/, 'the master asks for copies and the fleet makes them');
  t.match(result.stdout, /\] ALIVE again {2}cs0/);
  t.match(result.stdout, /\] fleet: 2 servers came back/);
  t.match(result.stdout, /\nsummary\n/);
  t.match(result.stdout, /deaths +2 silenced at [\d.]+ s; 2 called dead on the event stream, \d+\.\.\d+ ms after their last heartbeat \(timeout 750 ms\)/);
  t.match(result.stdout, /false deaths +0\n/);
  t.match(result.stdout, /replication +at most [1-9]\d* chunks under-replicated; 0 at the end\n/);
  t.match(result.stdout, /copies +[1-9]\d* made by the fleet as asked, 0 failed\n/);
  t.match(result.stdout, /revived +2 at [\d.]+ s; [1-9]\d* surplus replicas deleted as asked\n/, 'the revived servers bring back surplus replicas');
  t.match(result.stdout, /heartbeats +\d+ ok, 0 failed/);
  t.match(result.stdout, /result +OK\n/);
});

t.test('demo flags: a bad one exits 2 naming it; --help exits 0', async (t) => {
  const bad = await runDemoCli(['--servers', 'many']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--servers/);
  const help = await runDemoCli(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /usage: npm run demo/);
  t.equal((await runDemoCli(['extra'])).code, 2);
  const unknown = await runDemoCli(['--frobnicate']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /Unknown option '--frobnicate'/);
  const invalid = await runDemoCli(['--disk-full-pct', '200']);
  t.equal(invalid.code, 2, 'a serve flag is checked before the daemon starts');
  t.match(invalid.stderr, /--disk-full-pct: expected a number from 0 to 100/);
  const url = await runDemoCli(['--url', 'http://elsewhere:7070']);
  t.equal(url.code, 2, 'the demo points its fleet at its own daemon');
  t.match(url.stderr, /--url is not a setting of this command/);
  const logging = await runDemoCli(['--log-level', 'warn']);
  t.equal(logging.code, 2, 'the demo reads its daemon\'s log itself');
  t.match(logging.stderr, /--log-level is not a setting of this command \(it is for: logging/);
  t.match(help.stdout, /--tokens-file +the JSON file of bearer-token SHA-256 digests/);
  t.notMatch(help.stdout, /^ +--(log-level|url) /m, 'the help lists only what the demo takes');
});

t.test('demo forwards serve flags to its daemon: a missing tokens file stops it, other settings show in what it logs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-'));
  const [token, digest] = (await runCli(['token'])).stdout.split('\n') as [string, string];
  writeFileSync(join(dir, 'token'), `${token}\n`);
  writeFileSync(join(dir, 'tokens.json'), JSON.stringify({ servers: {}, operators: [JSON.parse(digest) as string] }));

  const missing = await runDemoCli(['--tokens-file', join(dir, 'nonexistent.json'), '--disk-full-pct', '1']);
  t.equal(missing.code, 2, missing.stdout);
  t.match(missing.stderr, /demo: the daemon refused its settings: chunkmaster: --tokens-file \S*nonexistent\.json: .*ENOENT/);
  const tokenless = await runDemoCli(['--tokens-file', join(dir, 'tokens.json')]);
  t.equal(tokenless.code, 2);
  t.match(tokenless.stderr, /--tokens-file makes the daemon demand a bearer token: give --token-file too/);
  const noToken = await runDemoCli(['--tokens-file', join(dir, 'tokens.json'), '--token-file', join(dir, 'nonexistent')]);
  t.equal(noToken.code, 2);
  t.match(noToken.stderr, /--token-file \S*nonexistent: .*ENOENT/);

  const args = ['--servers', '3', '--chunks-per-server', '2', '--interval-ms', '100', '--kill', '0@0', '--duration-ms', '1000'];
  const told = ['--tokens-file', join(dir, 'tokens.json'), '--token-file', join(dir, 'token'), '--dead-after-missed', '7', '--disk-full-pct', '1', '--replication-factor', '2'];
  const result = await runDemoCli([...args, ...told]);
  t.equal(result.code, 0, result.stdout + result.stderr);
  t.match(result.stdout, /the daemon logged its settings: heartbeatIntervalMs 500, deadAfterMissed 7, replicationFactor 2, safeModeMs 2000, .*diskFullPct 1, /);
  t.match(result.stdout, / 3 chunks x 2 replicas, .*dead after 3500 ms of silence/, 'the narration and the fleet follow what the daemon was told');
  t.match(result.stdout, /\] 3 servers alive/, 'the fleet and the narrator send the bearer token the tokens file asks for');
  t.match(result.stdout, /heartbeats +\d+ ok, 0 failed/);
});

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
