import t from 'tap';
import { DaemonRefused, startDaemon } from '../../src/demo/daemon.js';

t.test('the daemon starts on the settings given, says where it listens and what it was told, and stops', async (t) => {
  const daemon = await startDaemon(['--host', '127.0.0.1', '--port', '0', '--replication-factor', '2', '--heartbeat-interval-ms', '700']);
  t.teardown(() => daemon.stop());
  t.match(daemon.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.equal(daemon.config.replicationFactor, 2);
  t.equal(daemon.config.heartbeatIntervalMs, 700);
  t.equal(daemon.config.safeModeMs, 2100, 'what the daemon derived, not only what it was given');
  const health = await fetch(`${daemon.url}/healthz`);
  t.equal(health.status, 200);
  await daemon.stop();
  await t.rejects(fetch(`${daemon.url}/healthz`), 'gone once stopped');
  await daemon.stop();
  t.pass('stopping twice is harmless');
});

t.test('a setting the daemon refuses is a DaemonRefused that carries its words', async (t) => {
  await t.rejects(startDaemon(['--port', 'abc']), { name: 'DaemonRefused', message: /--port/ });
  const error = await startDaemon(['--host', '127.0.0.1', '--port', '0', '--tokens-file', 'no-such-tokens.json']).catch((e: unknown) => e);
  t.type(error, DaemonRefused);
  t.match((error as Error).message, /--tokens-file no-such-tokens\.json/);
});
