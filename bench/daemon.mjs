// Starting and stopping HTTP servers for the network sections.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DIST, distHas } from './lib.mjs';

/** Why the daemon sections cannot run yet, or undefined when they can. */
export function daemonMissing() {
  if (!distHas('transport/http/serve.js')) return 'daemon not built (no dist/transport/http/serve.js)';
  return undefined;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Spawns a node script listening on `port` (a free one unless given); resolves once `readyPath` answers 200. */
export async function startProcess(args, { readyPath = '/healthz', env = {}, port: given } = {}) {
  const port = given ?? (await freePort());
  const child = spawn(process.execPath, args(port), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const giveUpAt = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args(port).join(' ')} exited ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(url + readyPath);
      await res.arrayBuffer();
      if (res.ok || readyPath === '/') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > giveUpAt) {
      child.kill();
      throw new Error(`${url} did not get ready: ${stderr}`);
    }
    await sleep(50);
  }
  const stop = (signal = 'SIGTERM') =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill(signal);
    });
  return { url, port, child, stop };
}

/** The daemon, open (no tokens) and with its per-client rate limit out of the way of one load generator. */
export function startDaemon(extraArgs = [], env = {}) {
  const args = ['serve', '--host', '127.0.0.1', '--rate-limit-max', '1000000000', ...extraArgs];
  return startProcess((port) => [DIST + 'cli.js', ...args, '--port', String(port)], { env });
}

export function startBareHttp() {
  return startProcess((port) => [new URL('./fixtures/bare-http.mjs', import.meta.url).pathname, String(port)], { readyPath: '/' });
}
