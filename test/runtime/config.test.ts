import t from 'tap';
import { ConfigError, SETTINGS, loadConfig, parseKill, settingsHelp } from '../../src/runtime/config.js';

t.test('defaults follow the contract', async (t) => {
  const { config, help, positionals } = loadConfig([], {});
  t.same(config.core, {
    heartbeatIntervalMs: 5000,
    deadAfterMissed: 3,
    replicationFactor: 3,
    safeModeMs: 15000,
    maxReplicationStreams: 2,
    pendingTimeoutMs: 60000,
    diskFullPct: 90,
    maxDeadFraction: 0.5,
  });
  t.match(config, { host: '127.0.0.1', port: 7070, logLevel: 'info' });
  t.equal(help, false);
  t.same(positionals, []);
});

t.test('flags win over environment variables, which win over defaults', async (t) => {
  const { config, positionals } = loadConfig(['serve', '--port', '8080', '--disk-full-pct=85.5'], {
    CHUNKMASTER_PORT: '9090',
    CHUNKMASTER_HOST: '0.0.0.0',
    CHUNKMASTER_HEARTBEAT_INTERVAL_MS: '1000',
    CHUNKMASTER_LOG_LEVEL: 'silent',
  });
  t.same(positionals, ['serve']);
  t.equal(config.port, 8080);
  t.equal(config.host, '0.0.0.0');
  t.equal(config.core.diskFullPct, 85.5);
  t.equal(config.core.heartbeatIntervalMs, 1000);
  t.equal(config.core.safeModeMs, 3000, 'safe mode defaults to the dead timeout of the interval given');
  t.equal(config.logLevel, 'silent');
  t.equal(loadConfig(['--safe-mode-ms', '0'], {}).config.core.safeModeMs, 0, 'an explicit safe mode stands');
  t.equal(loadConfig(['-h'], {}).help, true);
});

t.test('bad values are refused naming where they came from', async (t) => {
  const bad: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--port', '70000'], {}, /--port: expected an integer from 0 to 65535, got "70000"/],
    [['--dead-after-missed', '1.5'], {}, /--dead-after-missed: expected an integer/],
    [[], { CHUNKMASTER_MAX_DEAD_FRACTION: '2' }, /CHUNKMASTER_MAX_DEAD_FRACTION: expected a number from 0 to 1/],
    [['--disk-full-pct', ' '], {}, /expected a number/],
    [['--log-level', 'loud'], {}, /expected one of fatal/],
    [['--host', ''], {}, /--host: expected a non-empty value/],
    [['--no-such-flag'], {}, /no-such-flag/],
  ];
  for (const [args, env, message] of bad) t.throws(() => loadConfig(args, env), { name: 'ConfigError', message }, args.join(' '));
  t.ok(new ConfigError('x') instanceof Error);
});

t.test('help lists every setting with its environment variable', async (t) => {
  const help = settingsHelp();
  for (const setting of SETTINGS) t.match(help, `--${setting.flag}`), t.match(help, setting.env);
});

t.test('fleet settings: flags, a value-less --ws, COUNT@SECONDS and URLs', async (t) => {
  const { config } = loadConfig(['fleet', '--ws', '--url', 'http://10.0.0.1:7070/', '--servers', '50', '--kill', '5@2.5', '--token-file', 't'], {
    CHUNKMASTER_FLEET_INTERVAL_MS: '250',
  });
  t.same(config.fleet, { url: 'http://10.0.0.1:7070', servers: 50, chunksPerServer: 100, intervalMs: 250, ws: true, connections: 16, durationMs: 0, kill: { count: 5, atMs: 2500 } });
  t.equal(config.tokenFile, 't');
  t.equal(loadConfig([], { CHUNKMASTER_FLEET_WS: '1' }).config.fleet.ws, true);
  t.equal(loadConfig([], { CHUNKMASTER_FLEET_WS: 'false' }).config.fleet.ws, false);
  t.same(parseKill(' 10@30 '), { count: 10, atMs: 30000 });
  const bad: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--kill', '10'], {}, /--kill: expected COUNT@SECONDS/],
    [['--url', 'ftp://x'], {}, /--url: expected an http:\/\/ URL/],
    [['--url', 'not a url'], {}, /expected an http:\/\/ URL/],
    [['--ws=yes'], {}, /ws/],
    [[], { CHUNKMASTER_FLEET_WS: 'yes' }, /CHUNKMASTER_FLEET_WS: expected 1, true, 0 or false/],
  ];
  for (const [args, env, message] of bad) t.throws(() => loadConfig(args, env), { message }, args.join(' ') || JSON.stringify(env));
});
