import t from 'tap';
import { ConfigError, GROUP_TITLES, SETTINGS, loadConfig, settingsHelp } from '../../src/runtime/config.js';

t.test('defaults follow the contract', async (t) => {
  const { config, help, positionals } = loadConfig(['stdio'], {});
  t.same(config.core, {
    heartbeatIntervalMs: 5000,
    deadAfterMissed: 3,
    replicationFactor: 3,
    safeModeMs: 15000,
    maxReplicationStreams: 2,
    pendingTimeoutMs: 60000,
    diskFullPct: 90,
    maxDeadFraction: 0.5,
    deadOutMs: 600000,
  });
  t.equal(config.host, '127.0.0.1');
  t.equal(config.port, 7070);
  t.equal(config.logLevel, 'info');
  t.equal(help, false);
  t.same(positionals, ['stdio']);
});

t.test('every setting has a flag and an environment variable; flags win', async (t) => {
  t.equal(SETTINGS.length, new Set(SETTINGS.map((s) => s.env)).size, 'environment names are unique');
  for (const s of SETTINGS) t.match(s.env, /^CHUNKMASTER_[A-Z_]+$/, `${s.flag} has ${s.env}`);
  const { config } = loadConfig(['--heartbeat-interval-ms', '100', '--max-dead-fraction=0.25', '--host', '0.0.0.0'], {
    CHUNKMASTER_HEARTBEAT_INTERVAL_MS: '999',
    CHUNKMASTER_DEAD_AFTER_MISSED: '4',
    CHUNKMASTER_PORT: '0',
    CHUNKMASTER_LOG_LEVEL: 'debug',
    CHUNKMASTER_DISK_FULL_PCT: '85.5',
  });
  t.equal(config.core.heartbeatIntervalMs, 100, 'the flag beats the environment');
  t.equal(config.core.deadAfterMissed, 4);
  t.equal(config.core.maxDeadFraction, 0.25);
  t.equal(config.core.diskFullPct, 85.5);
  t.equal(config.core.safeModeMs, 400, 'safe mode defaults to the dead timeout of the chosen settings');
  t.equal(config.host, '0.0.0.0');
  t.equal(config.port, 0);
  t.equal(config.logLevel, 'debug');
});

t.test('an explicit safe mode is kept', async (t) => {
  t.equal(loadConfig(['--safe-mode-ms', '0'], {}).config.core.safeModeMs, 0);
  t.equal(loadConfig([], { CHUNKMASTER_SAFE_MODE_MS: '7' }).config.core.safeModeMs, 7);
});

const BAD: [string[], NodeJS.ProcessEnv, RegExp][] = [
  [['--heartbeat-interval-ms', 'abc'], {}, /^--heartbeat-interval-ms: expected an integer from 1 to 86400000, got "abc"$/],
  [['--heartbeat-interval-ms', '0'], {}, /expected an integer from 1/],
  [['--heartbeat-interval-ms', '1.5'], {}, /expected an integer/],
  [['--port', '70000'], {}, /^--port: expected an integer from 0 to 65535/],
  [[], { CHUNKMASTER_REPLICATION_FACTOR: '-2' }, /^CHUNKMASTER_REPLICATION_FACTOR: expected an integer from 1 to 100, got "-2"$/],
  [['--max-dead-fraction', '2'], {}, /expected a number from 0 to 1, got "2"/],
  [['--disk-full-pct', ''], {}, /expected a number from 0 to 100/],
  [['--log-level', 'loud'], {}, /expected one of fatal, error/],
  [['--host', ''], {}, /^--host: expected a non-empty value$/],
  [['--no-such-flag'], {}, /Unknown option '--no-such-flag'/],
];

for (const [args, env, message] of BAD) {
  t.test(`rejects ${[...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(' ')}`, async (t) => {
    t.throws(() => loadConfig(args, env), ConfigError);
    t.throws(() => loadConfig(args, env), { message });
  });
}

t.test('-h asks for help', async (t) => {
  t.equal(loadConfig(['-h'], {}).help, true);
});

t.test('a command reads only its own groups of settings', async (t) => {
  t.throws(() => loadConfig(['--servers', '5'], {}, ['master', 'daemon', 'logging']), {
    message: '--servers is not a setting of this command (it is for: simulated chunk servers (fleet))',
  });
  t.throws(() => loadConfig(['--port=1'], {}, ['fleet', 'logging']), { message: /--port is not a setting of this command \(it is for: HTTP\/WebSocket daemon/ });
  t.throws(() => loadConfig(['--nonsense'], {}, ['master']), { message: /Unknown option '--nonsense'/ }, 'unknown flags keep the parser message');
  const { config } = loadConfig([], { CHUNKMASTER_PORT: 'not a port', CHUNKMASTER_HEARTBEAT_INTERVAL_MS: '250' }, ['master']);
  t.equal(config.port, 7070, "another group's environment variable is not read, so it cannot fail");
  t.equal(config.core.heartbeatIntervalMs, 250);
  for (const setting of SETTINGS) t.ok(GROUP_TITLES.has(setting.group), `${setting.flag} has a group with a title`);
  const help = settingsHelp();
  for (const title of GROUP_TITLES.values()) t.match(help, `${title}:\n`);
});
