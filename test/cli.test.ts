import { spawn } from 'node:child_process';
import t from 'tap';
import { CLI, runCli } from './fixtures/cli.js';

const INIT = '{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}\n';

t.test('--help prints usage and exits 0', async (t) => {
  const result = await runCli(['--help']);
  t.equal(result.code, 0);
  t.match(result.stdout, /usage: chunkmaster <command>/);
  t.match(result.stdout, /--heartbeat-interval-ms/);
});

t.test('<command> --help shows that command\'s settings only, and what each token file holds', async (t) => {
  const serve = await runCli(['serve', '--help']);
  t.equal(serve.code, 0);
  t.match(serve.stdout, /^usage: chunkmaster serve \[options\]\n\nrun the HTTP\/WebSocket daemon/);
  t.match(serve.stdout, /master \(stdio, serve\):\n/);
  t.match(serve.stdout, /--tokens-file +the JSON file of bearer-token SHA-256 digests the daemon accepts/);
  t.notMatch(serve.stdout, /--servers|--token-file /, 'no fleet settings');
  const fleet = await runCli(['fleet', '-h']);
  t.match(fleet.stdout, /--token-file +a text file holding the one bearer token the fleet sends/);
  t.match(fleet.stdout, /--replication-factor +replicas each chunk starts with/);
  t.notMatch(fleet.stdout, /--port|--tokens-file|--heartbeat-interval-ms/, 'no master or daemon settings');
  const stdio = await runCli(['stdio', '--help']);
  t.notMatch(stdio.stdout, /--port|--servers/);
  const token = await runCli(['token', '--help']);
  t.match(token.stdout, /^usage: chunkmaster token \[SERVER_ID\] \[options\]/);
  t.notMatch(token.stdout, /options \(flag/, 'token takes no settings');
  const wrong = await runCli(['serve', '--token-file', 'x']);
  t.equal(wrong.code, 2);
  t.match(wrong.stderr, /^chunkmaster: --token-file is not a setting of this command \(it is for: simulated chunk servers \(fleet\)\)\. Did you mean --tokens-file\?/);
  t.match(wrong.stderr, /usage: chunkmaster serve/, 'the usage that follows is the command\'s');
});

t.test('bad settings and unknown commands exit 2 with a message', async (t) => {
  const bad = await runCli(['stdio', '--heartbeat-interval-ms', 'soon']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /chunkmaster: --heartbeat-interval-ms: expected an integer/);
  const env = await runCli(['stdio'], '', { CHUNKMASTER_DEAD_AFTER_MISSED: '0' });
  t.equal(env.code, 2);
  t.match(env.stderr, /CHUNKMASTER_DEAD_AFTER_MISSED: expected an integer from 1/);
  const unknown = await runCli(['frob']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command or argument: frob/);
  const none = await runCli([]);
  t.equal(none.code, 2);
  t.match(none.stderr, /a command is required/);
});

t.test('stdio: non-JSON lines are logged on stderr and skipped; EOF exits 0', async (t) => {
  const result = await runCli(['stdio'], `garbage\n${INIT}{"src":"c1","dest":"n1","body":{"type":"server_status","msg_id":2}}`);
  t.equal(result.code, 0);
  t.same(result.stdout.split('\n'), [
    '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}',
    '{"src": "n1", "dest": "c1", "body": {"type": "server_status_ok", "in_reply_to": 2, "servers": [], "msg_id": 1}}',
    '',
  ], 'the last line is answered even without a trailing newline');
  const logs = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; level: number });
  t.ok(logs.some((l) => l.msg === 'skipped a line that is not JSON' && l.level === 40), 'a warning names the skipped line');
});

t.test('stdio: a 5 MB heartbeat with 300k chunk handles', async (t) => {
  const chunks = Array.from({ length: 300_000 }, (_, i) => `chunk_${String(i).padStart(10, '0')}`);
  const heartbeat = JSON.stringify({ src: 'cs1', dest: 'n1', body: { type: 'heartbeat', msg_id: 2, chunks, disk_usage_pct: 50 } });
  t.ok(heartbeat.length > 5_000_000, `the line is ${heartbeat.length} bytes`);
  const status = '{"src":"c1","dest":"n1","body":{"type":"server_status","msg_id":3}}';
  const result = await runCli(['stdio'], `${INIT}${heartbeat}\n${status}\n`);
  t.equal(result.code, 0);
  const lines = result.stdout.trim().split('\n');
  t.equal(lines[1], '{"src": "n1", "dest": "cs1", "body": {"type": "heartbeat_ok", "in_reply_to": 2, "status": "alive", "msg_id": 1}}');
  t.match(lines[2], /"server": "cs1", "status": "alive", "chunks": 300000, /);
});

t.test('stdio: a server is marked dead on time with no further input (real time)', async (t) => {
  const child = spawn(process.execPath, [...process.execArgv, CLI, 'stdio', '--heartbeat-interval-ms', '100'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const started = Date.now();
  const died = new Promise<number>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('"type":"server_dead"')) resolve(Date.now() - started);
    });
  });
  child.stdin.write(INIT + '{"src":"cs1","dest":"n1","body":{"type":"heartbeat","msg_id":2,"chunks":["a"]}}\n');
  const elapsed = await died;
  t.ok(elapsed >= 250, `dead after ${elapsed} ms, not before the 300 ms deadline`);
  child.stdin.end('{"src":"c1","dest":"n1","body":{"type":"server_status","msg_id":3}}\n');
  const code = await new Promise((resolve) => child.on('close', resolve));
  t.equal(code, 0);
  t.match(stdout, /"servers": \[\{"server": "cs1", "status": "dead", "chunks": 0, "last_heartbeat_ms_ago": \d+\}\]/);
});

t.test('stdio: a reader that goes away ends the node with exit 0', async (t) => {
  const child = spawn(process.execPath, [...process.execArgv, CLI, 'stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  for (let i = 0; i < 50; i++) child.stdin.write(INIT);
  child.stdin.end();
  t.equal(await closed, 0);
  t.match(stderr, /stdout closed; exiting/);
});
