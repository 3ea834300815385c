import t from 'tap';
import { DAEMON_SETTINGS, DEMO_DEFAULTS, parseDemoCommandLine } from '../../src/runtime/config/demo.js';
import { FLEET } from '../../src/runtime/config.js';
import { argsFor, envName, without } from '../../src/runtime/settings.js';

t.test('argsFor keeps the flags of the slices given, with their values, in order', async (t) => {
  const args = ['--servers', '5', '--port=0', '--insecure', '--kill', '1@1', '--heartbeat-interval-ms', '100', '--ws', '--host', 'h'];
  t.same(argsFor(args, DAEMON_SETTINGS), ['--port=0', '--insecure', '--heartbeat-interval-ms', '100', '--host', 'h']);
  t.same(argsFor(['--port'], DAEMON_SETTINGS), ['--port'], 'a flag at the end without its value stays as given');
});

t.test('without drops flags from a slice and may retitle it', async (t) => {
  const slice = without(FLEET, ['url'], 'no url');
  t.equal(slice.title, 'no url');
  t.notOk(slice.settings.some((s) => s.flag === 'url'));
  t.equal(slice.settings.length, FLEET.settings.length - 1);
  t.equal(without(FLEET, []).title, FLEET.title);
  t.equal(envName('max-dead-fraction'), 'CHUNKMASTER_MAX_DEAD_FRACTION');
});

t.test('the demo: its defaults, then the caller\'s flags; the serve ones go to its daemon', async (t) => {
  const { config, daemonArgs } = parseDemoCommandLine(['--servers', '7', '--replication-factor', '2', '--dead-after-missed=5', '--tokens-file', 'f.json'], {});
  t.equal(config.fleet.servers, 7);
  t.equal(config.fleet.replicationFactor, 2, 'the fleet starts chunks at the daemon\'s replication factor');
  t.equal(config.master.deadAfterMissed, 5);
  t.equal(config.daemon.tokensFile, 'f.json');
  t.same(daemonArgs.slice(-5), ['--replication-factor', '2', '--dead-after-missed=5', '--tokens-file', 'f.json']);
  t.same(daemonArgs.slice(0, 4), ['--host', '127.0.0.1', '--port', '0']);
  t.notOk(daemonArgs.includes('--servers'), 'fleet flags stay with the fleet');
  t.ok(DEMO_DEFAULTS.includes('--kill'));
  t.throws(() => parseDemoCommandLine(['--url', 'http://x'], {}), { message: /^--url is not a setting of this command \(it is for: simulated chunk servers \(fleet\)\)$/ });
});
