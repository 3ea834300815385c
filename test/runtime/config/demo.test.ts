import t from 'tap';
import { DEMO_DEFAULTS, checkTokenGiven, parseDemoCommandLine } from '../../../src/runtime/config/demo.js';

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

t.test('a daemon demanding tokens needs a fleet holding one', async (t) => {
  const demo = (args: string[]) => parseDemoCommandLine(args, {}).config;
  t.doesNotThrow(() => checkTokenGiven(demo([])), 'an open daemon');
  t.doesNotThrow(() => checkTokenGiven(demo(['--tokens-file', 'f.json', '--token-file', 't'])), 'both files given');
  t.throws(() => checkTokenGiven(demo(['--tokens-file', 'f.json'])), { name: 'ConfigError', message: /^--tokens-file makes the daemon demand a bearer token: give --token-file too/ });
});

t.test('the fleet takes its replication factor from the daemon\'s setting, the environment included', async (t) => {
  const { config } = parseDemoCommandLine([], { CHUNKMASTER_REPLICATION_FACTOR: '4' });
  t.equal(config.master.replicationFactor, 4);
  t.equal(config.fleet.replicationFactor, 4);
});
