import t from 'tap';
import { ALL_SLICES, ConfigError, EVERY_SETTING, FLEET_SETTINGS, MASTER, SERVE_SETTINGS, SETTINGS, STDIO_SETTINGS, loadConfig, settingsHelp } from '../../src/runtime/config.js';

const every = (args: string[], env: NodeJS.ProcessEnv) => loadConfig(args, env, EVERY_SETTING);

t.test('defaults follow the contract', async (t) => {
  const { config, help, positionals } = every(['stdio'], {});
  t.same(config.master, {
    heartbeatIntervalMs: 5000,
    deadAfterMissed: 3,
    replicationFactor: 3,
    safeModeMs: 15000,
    maxReplicationStreams: 2,
    pendingTimeoutMs: 60000,
    diskFullPct: 90,
    maxDeadFraction: 0.5,
    deadOutMs: 600000,
    maxFullReportLeases: 8,
    fullReportIntervalMs: 3600000,
    safeModeMaxMs: 150000,
  });
  t.equal(config.daemon.host, '127.0.0.1');
  t.equal(config.daemon.port, 7070);
  t.equal(config.logging.logLevel, 'info');
  t.equal(help, false);
  t.same(positionals, ['stdio']);
});

t.test('every setting has a flag and an environment variable; flags win', async (t) => {
  t.equal(SETTINGS.length, new Set(SETTINGS.map((s) => s.env)).size, 'environment names are unique');
  for (const s of SETTINGS) t.match(s.env, /^CHUNKMASTER_[A-Z_]+$/, `${s.flag} has ${s.env}`);
  const { config } = every(['--heartbeat-interval-ms', '100', '--max-dead-fraction=0.25', '--host', '0.0.0.0'], {
    CHUNKMASTER_HEARTBEAT_INTERVAL_MS: '999',
    CHUNKMASTER_DEAD_AFTER_MISSED: '4',
    CHUNKMASTER_PORT: '0',
    CHUNKMASTER_LOG_LEVEL: 'debug',
    CHUNKMASTER_DISK_FULL_PCT: '85.5',
  });
  t.equal(config.master.heartbeatIntervalMs, 100, 'the flag beats the environment');
  t.equal(config.master.deadAfterMissed, 4);
  t.equal(config.master.maxDeadFraction, 0.25);
  t.equal(config.master.diskFullPct, 85.5);
  t.equal(config.master.safeModeMs, 400, 'safe mode defaults to the dead timeout of the chosen settings');
  t.equal(config.daemon.host, '0.0.0.0');
  t.equal(config.daemon.port, 0);
  t.equal(config.logging.logLevel, 'debug');
});

t.test('an explicit safe mode is kept', async (t) => {
  t.equal(every(['--safe-mode-ms', '0'], {}).config.master.safeModeMs, 0);
  t.equal(every([], { CHUNKMASTER_SAFE_MODE_MS: '7' }).config.master.safeModeMs, 7);
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
    t.throws(() => every(args, env), ConfigError);
    t.throws(() => every(args, env), { message });
  });
}

t.test('-h asks for help', async (t) => {
  t.equal(every(['-h'], {}).help, true);
  t.equal(loadConfig(['--help'], {}, {}).help, true, 'a command with no settings too');
});

t.test('a command reads only its own groups of settings', async (t) => {
  t.throws(() => loadConfig(['--servers', '5'], {}, SERVE_SETTINGS), {
    message: '--servers is not a setting of this command (it is for: simulated chunk servers (fleet))',
  });
  t.throws(() => loadConfig(['--port=1'], {}, FLEET_SETTINGS), { message: /--port is not a setting of this command \(it is for: HTTP\/WebSocket daemon/ });
  t.throws(() => loadConfig(['--nonsense'], {}, { master: MASTER }), { message: /Unknown option '--nonsense'/ }, 'unknown flags keep the parser message');
  const { config } = loadConfig([], { CHUNKMASTER_PORT: 'not a port', CHUNKMASTER_HEARTBEAT_INTERVAL_MS: '250' }, { master: MASTER });
  t.same(Object.keys(config), ['master'], "another slice's environment variable is not read, so it cannot fail");
  t.equal(config.master.heartbeatIntervalMs, 250);
  for (const setting of SETTINGS) t.ok(ALL_SLICES.some((slice) => slice.title !== '' && slice.settings.includes(setting)), `${setting.flag} has a slice with a title`);
  const help = settingsHelp();
  for (const slice of ALL_SLICES) t.match(help, `${slice.title}:\n`);
  t.same(Object.keys(loadConfig([], {}, STDIO_SETTINGS).config), ['master', 'logging'], 'stdio reads the master and logging slices');
});
