import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
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
  // A copy can fail only by aiming at a server the demo silenced before the master knew it dead: it
  // would fail on a real fleet too (its target is down), so failures are allowed but must stay a minority.
  const copies = /copies +([1-9]\d*) made by the fleet as asked, (\d+) failed\n/.exec(result.stdout);
  t.ok(copies, 'copies were made');
  t.ok(Number(copies?.[2]) < Number(copies?.[1]), 'fewer failed than made');
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
