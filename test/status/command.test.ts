import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CLI, type CliResult, runCli, startCli } from '../fixtures/cli.js';

const LISTENING = /"msg":"daemon started"/;
const PORT = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;
const ESCAPE = /\x1b/;

/** A daemon on a free loopback port: a server is dead 1.5 s after its last heartbeat. */
async function daemon(t: Test, args: string[] = []): Promise<string> {
  const cli = startCli(['serve', '--port', '0', '--safe-mode-ms', '0', '--heartbeat-interval-ms', '500', ...args]);
  t.teardown(() => cli.child.kill('SIGKILL'));
  const port = (await cli.waitForLog(PORT))[1];
  await cli.waitForLog(LISTENING);
  return `http://127.0.0.1:${port}`;
}

async function beat(base: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${base}/heartbeat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.body?.cancel();
}

/** Keeps `alive` heartbeating every 200 ms (liveness only: their last lists stand) until the test ends. */
function keepAlive(t: Test, base: string, alive: Set<string>): void {
  const timer = setInterval(() => {
    for (const server of alive) void beat(base, { server }).catch(() => undefined);
  }, 200);
  t.teardown(() => clearInterval(timer));
}

async function until(what: string, test: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function healthOf(base: string): Promise<{ status: string; checks: { code: string }[] }> {
  return (await fetch(`${base}/health`)).json() as Promise<{ status: string; checks: { code: string }[] }>;
}

/** The NAME column of the server table, top to bottom. */
function tableOrder(stdout: string): string[] {
  const lines = stdout.split('\n');
  const header = lines.findIndex((line) => line.startsWith('NAME'));
  return lines.slice(header + 1).filter((line) => line !== '').map((line) => line.split(/\s+/)[0] as string);
}

t.test('status exits 0, 1, 2 as the fleet goes from healthy to a warning to an error, in plain text when piped', async (t) => {
  const base = await daemon(t);
  const alive = new Set(['a', 'b', 'c', 'e']);
  for (const server of ['a', 'b', 'c']) await beat(base, { server, chunks: ['x', 'y'], disk_usage_pct: 40 });
  await beat(base, { server: 'e', chunks: [], disk_usage_pct: 10 });
  keepAlive(t, base, alive);

  const healthy = await runCli(['status', '--url', base]);
  t.equal(healthy.code, 0, healthy.stderr);
  t.notMatch(healthy.stdout, ESCAPE, 'no escape codes when piped');
  t.match(healthy.stdout, /^master: http:\/\/127\.0\.0\.1:\d+\n {2}health: {6}HEALTH_OK\n/);
  t.match(healthy.stdout, /servers: {5}4 known: 4 alive, 0 dead, 0 draining/);
  t.match(healthy.stdout, /safe mode: {3}off\n {2}brake: {7}off\n/);
  t.match(healthy.stdout, /chunks: {6}0 under-replicated: 0 missing, 0 critical, 0 normal\n/);
  t.match(healthy.stdout, /^NAME +STATUS +LAST-CONTACT +CHUNKS +DISK +HEALTH +MISSED$/m);
  t.match(healthy.stdout, /^a +alive +\d+(ms|\.\ds) ago +2 +40% +healthy +\d+$/m);
  t.same(tableOrder(healthy.stdout), ['a', 'b', 'c', 'e'], 'all alike: by id');
  t.equal(healthy.stderr, '');

  // a falls silent: x and y are left on b and c, two of three replicas; e is drained.
  alive.delete('a');
  await fetch(`${base}/servers/e/drain`, { method: 'POST' });
  await beat(base, { server: 'd', chunks: [] });
  alive.add('d');
  await until('a to be dead', async () => (await healthOf(base)).checks.some((check) => check.code === 'SERVERS_DEAD'));
  const warn = await runCli(['status', '--url', base]);
  t.equal(warn.code, 1, warn.stderr);
  t.match(warn.stdout, /health: {6}HEALTH_WARN\n/);
  t.match(warn.stdout, /\[WRN\] SERVERS_DEAD: 1 server dead/);
  t.match(warn.stdout, /\[WRN\] SERVERS_DRAINING: 1 server draining/);
  t.match(warn.stdout, /\[WRN\] CHUNKS_UNDER_REPLICATED: 2 chunks under-replicated \(0 critical, 2 normal\)/);
  t.match(warn.stdout, /servers: {5}5 known: 3 alive, 1 dead, 1 draining/);
  t.match(warn.stdout, /^a +dead +/m);
  t.same(tableOrder(warn.stdout), ['a', 'e', 'b', 'c', 'd'], 'dead, then draining, then the rest by id');
  t.notMatch(warn.stdout, ESCAPE);

  // f holds the only replica of `lonely`, then falls silent.
  await beat(base, { server: 'f', chunks: ['lonely'], health: 'degraded' });
  await until('f to be dead', async () => (await healthOf(base)).checks.some((check) => check.code === 'CHUNKS_MISSING'));
  const error = await runCli(['status', '--url', base]);
  t.equal(error.code, 2, error.stderr);
  t.match(error.stdout, /health: {6}HEALTH_ERR\n {15}\[ERR\] CHUNKS_MISSING: 1 chunk with no live replica\n {15}\[WRN\] /, 'errors first');
  t.match(error.stdout, /chunks: {6}3 under-replicated: 1 missing, 0 critical, 2 normal/);
  t.same(tableOrder(error.stdout), ['a', 'f', 'e', 'b', 'c', 'd']);
});

t.test('status exits 3 with a message on stderr when the master cannot be reached', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const result = await runCli(['status', '--url', `http://127.0.0.1:${port}`]);
  t.equal(result.code, 3);
  t.equal(result.stdout, '');
  t.match(result.stderr, new RegExp(`^chunkmaster: cannot reach the master at http://127\\.0\\.0\\.1:${port}: ECONNREFUSED\\n$`));
});

t.test('status sends the token of --token-file; a refused or missing one exits 3', async (t) => {
  const token = (await runCli(['token'])).stdout.split('\n')[0] as string;
  const dir = mkdtempSync(join(tmpdir(), 'chunkmaster-status-'));
  const tokens = join(dir, 'tokens.json');
  writeFileSync(tokens, JSON.stringify({ servers: {}, operators: [`sha256:${createHash('sha256').update(token).digest('hex')}`] }));
  const good = join(dir, 'token');
  writeFileSync(good, `${token}\n`);
  const wrong = join(dir, 'wrong');
  writeFileSync(wrong, 'not-the-token\n');
  const base = await daemon(t, ['--tokens-file', tokens]);

  const ok = await runCli(['status', '--url', base, '--token-file', good]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /HEALTH_OK/);
  t.match(ok.stdout, /No servers have heartbeated yet\./);
  const viaEnv = await runCli(['status'], undefined, { CHUNKMASTER_URL: base, CHUNKMASTER_TOKEN_FILE: good });
  t.equal(viaEnv.code, 0, 'the environment works as the flags do');

  const none = await runCli(['status', '--url', base]);
  t.equal(none.code, 3);
  t.match(none.stderr, /refused GET \/\S+ \(401: a valid bearer token is required\); it wants a bearer token: give --token-file/);
  const refused = await runCli(['status', '--url', base, '--token-file', wrong]);
  t.equal(refused.code, 3);
  t.match(refused.stderr, /\(401: .*\); give --token-file an operator token/);
  const missing = await runCli(['status', '--url', base, '--token-file', join(dir, 'nope')]);
  t.equal(missing.code, 3);
  t.match(missing.stderr, /--token-file .*nope: ENOENT/);
});

t.test('a bad flag exits 3, not 2, which would read as HEALTH_ERR', async (t) => {
  const bad = await runCli(['status', '--url', 'ftp://x']);
  t.equal(bad.code, 3);
  t.match(bad.stderr, /--url: expected one http:\/\/ URL/);
  const notUrl = await runCli(['status', '--url', 'nonsense']);
  t.equal(notUrl.code, 3);
  t.match(notUrl.stderr, /--url: expected one http:\/\/ URL, got "nonsense"/);
  const foreign = await runCli(['status', '--servers', '3']);
  t.equal(foreign.code, 3);
  t.match(foreign.stderr, /--servers is not a setting of this command/);
  const extra = await runCli(['status', 'now']);
  t.equal(extra.code, 3);
  const help = await runCli(['status', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--watch-interval-ms/);
});

t.test('status --watch redraws until SIGINT, then exits with the last health', async (t) => {
  const base = await daemon(t);
  await beat(base, { server: 'a', chunks: [] });
  const child = spawn(process.execPath, [...process.execArgv, CLI, 'status', '--url', base, '--watch', '--watch-interval-ms', '200'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  // a dies 1.5 s in, the whole fleet: later rounds show the brake.
  await until('three rounds', async () => (stdout.match(/^master: /gm) ?? []).length >= 3);
  await until('a round with the brake', async () => /HEALTH_ERR/.test(stdout));
  child.kill('SIGINT');
  const result = await exited;
  t.equal(result.code, 2, 'the last round saw the brake');
  t.equal(result.signal, null, 'it exited, not killed by the signal');
  t.equal(result.stderr, '');
  t.notMatch(result.stdout, ESCAPE, 'piped: no screen clearing, no colour');
  t.ok((result.stdout.match(/\n\nmaster: /g) ?? []).length >= 2, 'piped rounds follow one another, a blank line between');
});
