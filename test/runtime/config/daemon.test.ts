import t from 'tap';
import { ConfigError, FLEET_SETTINGS, SERVE_SETTINGS, SETTINGS, defaultHttpLimits, loadConfig, settingsHelp } from '../../../src/runtime/config.js';

const daemon = (args: string[], env: NodeJS.ProcessEnv) => loadConfig(args, env, SERVE_SETTINGS).config.daemon;

t.test('daemon settings come from flags, else the environment, else defaults', async (t) => {
  const defaults = daemon(['serve'], {});
  t.equal(defaults.tokensFile, undefined);
  t.equal(defaults.insecure, false);
  t.same(defaults.http, defaultHttpLimits());
  t.equal(defaults.http.bodyLimitBytes, 8 * 1024 * 1024);

  const config = daemon(
    ['serve', '--tokens-file', '/etc/t.json', '--insecure', '--rate-limit-max', '50', '--keep-alive-timeout-ms', '9000'],
    { CHUNKMASTER_RATE_LIMIT_MAX: '7', CHUNKMASTER_BODY_LIMIT_BYTES: '2048', CHUNKMASTER_REQUEST_TIMEOUT_MS: '1234' },
  );
  t.equal(config.tokensFile, '/etc/t.json');
  t.equal(config.insecure, true);
  t.equal(config.http.rateLimitMax, 50, 'the flag wins');
  t.equal(config.http.bodyLimitBytes, 2048);
  t.equal(config.http.requestTimeoutMs, 1234);
  t.equal(config.http.keepAliveTimeoutMs, 9000);
});

t.test('--insecure is a switch; its variable takes true/false', async (t) => {
  for (const [raw, value] of [['1', true], ['true', true], ['YES', true], ['0', false], ['false', false], ['', false]] as const) {
    t.equal(daemon([], { CHUNKMASTER_INSECURE: raw }).insecure, value, JSON.stringify(raw));
  }
  t.throws(() => daemon([], { CHUNKMASTER_INSECURE: 'maybe' }), ConfigError);
  t.throws(() => daemon(['--insecure=yes'], {}), ConfigError);
});

t.test('bad daemon settings name themselves', async (t) => {
  t.throws(() => daemon(['--rate-limit-max', '0'], {}), /--rate-limit-max: expected an integer/);
  t.throws(() => daemon([], { CHUNKMASTER_BODY_LIMIT_BYTES: '12' }), /CHUNKMASTER_BODY_LIMIT_BYTES/);
  t.throws(() => daemon(['--tokens-file', ''], {}), /--tokens-file: expected a non-empty value/);
});

t.test('every setting has a flag, a CHUNKMASTER_ variable and help', async (t) => {
  const help = settingsHelp();
  for (const setting of SETTINGS) {
    t.equal(setting.env, `CHUNKMASTER_${setting.flag.toUpperCase().replaceAll('-', '_')}`);
    t.match(help, `--${setting.flag}`);
  }
});

t.test('--token-file and --tokens-file: each command refuses the other one with a did-you-mean that tells them apart', async (t) => {
  t.throws(() => loadConfig(['--tokens-file', 'tokens.json'], {}, FLEET_SETTINGS), {
    message:
      /^--tokens-file is not a setting of this command \(it is for: HTTP\/WebSocket daemon \(serve\)\)\. Did you mean --token-file\? --token-file is a text file holding the one bearer token the fleet sends .*; --tokens-file is the JSON file of bearer-token SHA-256 digests the daemon accepts/,
  });
  t.throws(() => loadConfig(['--token-file', 'token'], {}, SERVE_SETTINGS), {
    message:
      /^--token-file is not a setting of this command \(it is for: simulated chunk servers \(fleet\)\)\. Did you mean --tokens-file\? --tokens-file is the JSON file of bearer-token SHA-256 digests .*; --token-file is a text file holding the one bearer token/,
  });
  t.throws(() => loadConfig(['--token-files', 'x'], {}, SERVE_SETTINGS), { message: /^Unknown option '--token-files'\. Did you mean --tokens-file\? --tokens-file is the JSON file/ }, 'a typo gets the hint too');
  t.throws(() => loadConfig(['--prt', '1'], {}, SERVE_SETTINGS), { message: /^Unknown option '--prt'/ }, 'short flags get no guess');
  t.match(settingsHelp(), /--tokens-file +the JSON file of bearer-token SHA-256 digests the daemon accepts/);
  t.match(settingsHelp(), /--token-file +a text file holding the one bearer token the fleet sends/);
});
