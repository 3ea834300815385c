import t from 'tap';
import { ConfigError, SETTINGS, defaultHttpLimits, loadConfig, settingsHelp } from '../../src/runtime/config.js';

t.test('daemon settings come from flags, else the environment, else defaults', async (t) => {
  const defaults = loadConfig(['serve'], {}).config;
  t.equal(defaults.tokensFile, undefined);
  t.equal(defaults.insecure, false);
  t.same(defaults.http, defaultHttpLimits());
  t.equal(defaults.http.bodyLimitBytes, 8 * 1024 * 1024);

  const { config } = loadConfig(
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
    t.equal(loadConfig([], { CHUNKMASTER_INSECURE: raw }).config.insecure, value, JSON.stringify(raw));
  }
  t.throws(() => loadConfig([], { CHUNKMASTER_INSECURE: 'maybe' }), ConfigError);
  t.throws(() => loadConfig(['--insecure=yes'], {}), ConfigError);
});

t.test('bad daemon settings name themselves', async (t) => {
  t.throws(() => loadConfig(['--rate-limit-max', '0'], {}), /--rate-limit-max: expected an integer/);
  t.throws(() => loadConfig([], { CHUNKMASTER_BODY_LIMIT_BYTES: '12' }), /CHUNKMASTER_BODY_LIMIT_BYTES/);
  t.throws(() => loadConfig(['--tokens-file', ''], {}), /--tokens-file: expected a non-empty value/);
});

t.test('every setting has a flag, a CHUNKMASTER_ variable and help', async (t) => {
  const help = settingsHelp();
  for (const setting of SETTINGS) {
    t.equal(setting.env, `CHUNKMASTER_${setting.flag.toUpperCase().replaceAll('-', '_')}`);
    t.match(help, `--${setting.flag}`);
  }
});
