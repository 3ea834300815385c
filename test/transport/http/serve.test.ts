import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli, startCli } from '../../fixtures/cli.js';
import { connect } from '../../fixtures/ws.js';

const LISTENING = /"msg":"daemon started"/;
const PORT = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;

t.test('serve starts, answers HTTP and WebSocket, and exits 0 on SIGTERM', async (t) => {
  const cli = startCli(['serve', '--port', '0', '--safe-mode-ms', '0']);
  t.teardown(() => cli.child.kill('SIGKILL'));
  const port = (await cli.waitForLog(PORT))[1];
  await cli.waitForLog(LISTENING);
  const base = `http://127.0.0.1:${port}`;
  const beat = await fetch(`${base}/heartbeat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ server: 'cs1', chunks: ['ch_1'] }),
  });
  t.same(await beat.json(), { status: 'alive', chunks_to_delete: [], chunks_to_replicate: [], full_report: false });
  t.equal((await fetch(`${base}/readyz`)).status, 200);
  const client = await connect(`ws://127.0.0.1:${port}/ws`);
  client.send({ type: 'chunk_locations', msg_id: 1, chunk: 'ch_1' });
  t.same(await client.next(), { type: 'chunk_locations_ok', in_reply_to: 1, chunk: 'ch_1', servers: ['cs1'], msg_id: 0 });
  const closed = new Promise((resolve) => client.socket.once('close', resolve));
  cli.child.kill('SIGTERM');
  const result = await cli.exited;
  await closed;
  t.equal(result.code, 0, 'exits 0');
  t.match(result.stderr, /no --tokens-file: the daemon is open/, 'warns that it runs open');
  t.match(result.stderr, /"type":"server_alive"/, 'logs state transitions');
  t.match(result.stderr, /"signal":"SIGTERM","msg":"shutting down"/);
});

t.test('serve with a tokens file demands a bearer token', async (t) => {
  const token = (await runCli(['token'])).stdout.split('\n')[0] as string;
  const dir = mkdtempSync(join(tmpdir(), 'chunkmaster-'));
  const file = join(dir, 'tokens.json');
  const digest = `sha256:${createHash('sha256').update(token).digest('hex')}`;
  writeFileSync(file, JSON.stringify({ servers: {}, operators: [digest] }));
  const cli = startCli(['serve', '--port', '0'], { CHUNKMASTER_TOKENS_FILE: file });
  t.teardown(() => cli.child.kill('SIGKILL'));
  const port = (await cli.waitForLog(PORT))[1];
  await cli.waitForLog(LISTENING);
  const base = `http://127.0.0.1:${port}`;
  t.equal((await fetch(`${base}/servers`)).status, 401);
  t.equal((await fetch(`${base}/servers`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  t.equal((await fetch(`${base}/healthz`)).status, 200);
  cli.child.kill('SIGINT');
  const result = await cli.exited;
  t.equal(result.code, 0);
  t.notMatch(result.stderr, /daemon is open/);
});

t.test('serve refuses an open daemon off loopback unless told --insecure', async (t) => {
  const refused = await runCli(['serve', '--host', '0.0.0.0', '--port', '0']);
  t.equal(refused.code, 2);
  t.match(refused.stderr, /refusing to serve 0\.0\.0\.0 without --tokens-file/);
  t.match(refused.stderr, /--insecure/);
  const viaEnv = await runCli(['serve', '--port', '0'], undefined, { CHUNKMASTER_HOST: '::' });
  t.equal(viaEnv.code, 2);
});

t.test('serve exits 2 on a bad tokens file or a port in use', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chunkmaster-'));
  const file = join(dir, 'tokens.json');
  writeFileSync(file, '{"operators": ["plain-text-token"]}');
  const bad = await runCli(['serve', '--port', '0', '--tokens-file', file]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--tokens-file .*operators\/0/);
  const missing = await runCli(['serve', '--port', '0', '--tokens-file', join(dir, 'nope.json')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /ENOENT/);

  const first = startCli(['serve', '--port', '0']);
  t.teardown(() => first.child.kill('SIGKILL'));
  const port = (await first.waitForLog(PORT))[1] as string;
  const second = await runCli(['serve', '--port', port]);
  t.equal(second.code, 2);
  t.match(second.stderr, /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  first.child.kill('SIGTERM');
  t.equal((await first.exited).code, 0);
});

t.test('token prints a fresh token and its tokens-file line', async (t) => {
  const forServer = await runCli(['token', 'cs1']);
  t.equal(forServer.code, 0);
  const [token, line] = forServer.stdout.split('\n');
  t.match(token, /^[A-Za-z0-9_-]{43}$/);
  const digest = `sha256:${createHash('sha256').update(token as string).digest('hex')}`;
  t.equal(line, `"cs1": "${digest}"`);
  const forOperator = await runCli(['token']);
  const [other, operatorLine] = forOperator.stdout.split('\n');
  t.not(other, token, 'every token is fresh');
  t.equal(operatorLine, JSON.stringify(`sha256:${createHash('sha256').update(other as string).digest('hex')}`));
  t.equal((await runCli(['token', 'a', 'b'])).code, 2, 'at most one server id');
  t.equal((await runCli(['__proto__'])).code, 2, 'commands are looked up as data');
});

t.test('logs are readable lines when asked (and on a terminal), JSON otherwise', async (t) => {
  const cli = startCli(['serve', '--port', '0', '--log-format', 'pretty']);
  t.teardown(() => cli.child.kill('SIGKILL'));
  await cli.waitForLog(/daemon started/);
  cli.child.kill('SIGTERM');
  const result = await cli.exited;
  t.equal(result.code, 0);
  t.match(result.stderr, /INFO.*daemon started/);
  t.match(result.stderr, /WARN.*the daemon is open/);
  t.notMatch(result.stderr, /^\{"level"/m, 'no JSON lines');
  const bad = await runCli(['serve', '--log-format', 'xml']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--log-format: expected one of auto, json, pretty/);
});
