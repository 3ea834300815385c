import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import t from 'tap';
import WebSocket from 'ws';
import { CLI } from '../fixtures/cli.js';

// The daemon's stderr is a pipe this test never reads: once its 64 KB are
// full, every log write would block. Logging must not stall the daemon, kill
// its servers, or hold SIGTERM. Requests for unknown routes are logged one
// line each (at info, with the path), so a few hundred long ones write far
// more than the pipe and the log buffer hold, whatever the master's own
// events look like.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts a command with stderr on a pipe nobody reads. */
function startStuck(args: string[]) {
  const child = spawn(process.execPath, [...process.execArgv, CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() })));
  return { child, exited, stdout: () => stdout };
}

/** Resolves with what `promise` gives, or `fallback` after `ms`. */
function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

t.test('serve: a stuck stderr never stalls requests, kills a server, or holds SIGTERM', async (t) => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Dead after 1.5 s: the test process itself (the steady server's sender) may stall for a few
  // hundred ms on a loaded machine, and only the daemon's own stalls are its to forgive.
  const daemon = startStuck(['serve', '--port', String(port), '--heartbeat-interval-ms', '500', '--log-level', 'info', '--safe-mode-ms', '0']);
  t.teardown(() => daemon.child.kill('SIGKILL'));
  const call = (path: string, init: RequestInit = {}, ms = 3000) => fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(ms) });
  const heartbeat = (body: string) => call('/heartbeat', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  for (let tries = 0; !(await call('/healthz').then((r) => r.ok, () => false)); tries++) {
    if (tries > 600) throw new Error('the daemon did not start');
    await sleep(100);
  }

  const deaths: string[] = [];
  const events = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  t.teardown(() => events.terminate());
  events.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { type?: string; server?: string };
    if (frame.type === 'server_dead' && frame.server !== undefined) deaths.push(frame.server);
  });
  await new Promise((resolve, reject) => events.once('open', resolve).once('error', reject));
  events.send(JSON.stringify({ type: 'subscribe', msg_id: 1 }));

  let stop = false;
  let beatsFailed = 0;
  // Every 100 ms whether or not the last reply is in, as a chunk server would.
  const beats: Promise<unknown>[] = [];
  const steady = (async () => {
    while (!stop) {
      beats.push(heartbeat(JSON.stringify({ server: 'steady', chunks: ['s_1'] })).then((r) => r.json(), () => beatsFailed++));
      await sleep(100);
    }
    await Promise.all(beats);
  })();
  const healthz: number[] = [];
  const probe = (async () => {
    while (!stop) {
      const started = performance.now();
      healthz.push(await call('/healthz').then(() => performance.now() - started, () => Infinity));
      await sleep(50);
    }
  })();

  // A server with 20,000 chunks dies (20,000 chunk_missing lines on the old main),
  // and 600 requests for an 8 KB path are logged (about 5 MB).
  const chunks = Array.from({ length: 20_000 }, (_, i) => `big_${i}`);
  await heartbeat(JSON.stringify({ server: 'big', chunks })).catch(() => undefined);
  const unknown = `/${'x'.repeat(8000)}`;
  const floodEnds = Date.now() + 20_000;
  let answered = 0;
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      for (let i = 0; i < 300 && Date.now() < floodEnds; i++) await call(unknown).then(() => answered++, () => undefined);
    }),
  );
  await sleep(2000);
  const metrics = await call('/metrics').then((r) => r.text(), () => '');
  stop = true;
  await Promise.all([steady, probe]);

  t.equal(answered, 600, 'every request was answered');
  const slowest = Math.max(...healthz);
  t.ok(slowest < 2000, `/healthz answered ${healthz.length} probes, the slowest in ${slowest.toFixed(0)} ms`);
  t.equal(beatsFailed, 0, 'every heartbeat of the steady server was answered');
  t.notOk(deaths.includes('steady'), 'the steady server was never declared dead');
  t.ok(deaths.includes('big'), 'the silent server was');
  const dropped = Number(/^chunkmaster_log_lines_dropped_total (\d+)$/m.exec(metrics)?.[1] ?? -1);
  t.ok(dropped > 0, `${dropped} log lines dropped, and counted`);

  const asked = Date.now();
  daemon.child.kill('SIGTERM');
  const exit = await within(daemon.exited, 8000, undefined);
  t.equal(exit?.code, 0, 'SIGTERM exits 0');
  t.ok(exit !== undefined && exit.at - asked < 5000, `exited ${exit === undefined ? 'never' : `${exit.at - asked} ms`} after SIGTERM`);
});

t.test('stdio: a stuck stderr never stops the node answering, nor exiting at EOF', async (t) => {
  const node = startStuck(['stdio', '--log-level', 'info']);
  t.teardown(() => node.child.kill('SIGKILL'));
  const init = '{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}\n';
  // Each line that is not JSON is logged as a warning: 5,000 of them write about 1 MB.
  const garbage = 'not json, and logged as a warning that carries this preview\n'.repeat(5000);
  const status = '{"src":"c1","dest":"n1","body":{"type":"server_status","msg_id":2}}\n';
  node.child.stdin.end(init + garbage + status);
  let answeredAt: number | undefined;
  node.child.stdout.on('data', () => {
    if (answeredAt === undefined && node.stdout().includes('server_status_ok')) answeredAt = Date.now();
  });
  const exit = await within(node.exited, 60_000, undefined);
  t.match(node.stdout(), /"type": "init_ok"[^\n]*\n[^\n]*"type": "server_status_ok"/, 'every envelope was answered');
  t.equal(exit?.code, 0, 'exits 0 at EOF');
  const after = exit === undefined || answeredAt === undefined ? Infinity : exit.at - answeredAt;
  t.ok(after < 5000, `exited ${after} ms after its last reply`);
});
