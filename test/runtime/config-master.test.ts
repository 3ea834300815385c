import t from 'tap';
import { defaultCoreConfig } from '../../src/core/index.js';
import { ConfigError, MASTER, SERVE_SETTINGS, STDIO_SETTINGS, loadConfig, settingsHelp } from '../../src/runtime/config.js';

/* The master slice's settings for split and incremental reports (CONTRACT 9). */

const master = (args: string[], env: NodeJS.ProcessEnv = {}) => loadConfig(args, env, STDIO_SETTINGS).config.master;

t.test('full-report leases and interval: defaults, flags and environment', async (t) => {
  t.equal(master([]).maxFullReportLeases, 8);
  t.equal(master([]).fullReportIntervalMs, 3_600_000);
  t.equal(master(['--max-full-report-leases', '2']).maxFullReportLeases, 2);
  t.equal(master([], { CHUNKMASTER_MAX_FULL_REPORT_LEASES: '3' }).maxFullReportLeases, 3);
  t.equal(master(['--max-full-report-leases=4'], { CHUNKMASTER_MAX_FULL_REPORT_LEASES: '3' }).maxFullReportLeases, 4, 'the flag wins');
  t.equal(master(['--full-report-interval-ms', '60000']).fullReportIntervalMs, 60_000);
  t.equal(master([], { CHUNKMASTER_FULL_REPORT_INTERVAL_MS: '21600000' }).fullReportIntervalMs, 21_600_000);
  t.equal(loadConfig(['--max-full-report-leases', '5'], {}, SERVE_SETTINGS).config.master.maxFullReportLeases, 5, 'serve reads them too');
});

t.test('safe_mode_max defaults to 10 x the safe mode in force', async (t) => {
  t.equal(master([]).safeModeMaxMs, 150_000, '10 x the default dead timeout');
  t.equal(master(['--heartbeat-interval-ms', '1000']).safeModeMaxMs, 30_000, 'follows the dead timeout of the chosen settings');
  t.equal(master(['--safe-mode-ms', '2000']).safeModeMaxMs, 20_000, 'follows an explicit safe mode');
  t.equal(master(['--safe-mode-ms', '0']).safeModeMaxMs, 0, 'no safe mode: nothing to wait for');
  t.equal(master(['--safe-mode-max-ms', '90000']).safeModeMaxMs, 90_000);
  t.equal(master([], { CHUNKMASTER_SAFE_MODE_MAX_MS: '15000' }).safeModeMaxMs, 15_000, 'equal to safe mode: never waits past it');
  t.equal(master(['--safe-mode-ms', '0', '--safe-mode-max-ms', '0']).safeModeMaxMs, 0);
  t.equal(defaultCoreConfig({ safeModeMs: 700 }).safeModeMaxMs, 7000, "the core's own default agrees");
});

const BAD: [string[], NodeJS.ProcessEnv, RegExp][] = [
  [['--max-full-report-leases', '0'], {}, /^--max-full-report-leases: expected an integer from 1 to/],
  [['--max-full-report-leases', '1.5'], {}, /expected an integer/],
  [[], { CHUNKMASTER_FULL_REPORT_INTERVAL_MS: '0' }, /^CHUNKMASTER_FULL_REPORT_INTERVAL_MS: expected an integer from 1 to/],
  [['--full-report-interval-ms', 'hourly'], {}, /expected an integer/],
  [['--safe-mode-max-ms=-1'], {}, /^--safe-mode-max-ms: expected an integer from 0 to/],
  [['--safe-mode-max-ms', '1000'], {}, /^--safe-mode-max-ms \(1000\) is below --safe-mode-ms \(15000\)/],
  [['--safe-mode-ms', '5000', '--safe-mode-max-ms', '4999'], {}, /is below --safe-mode-ms \(5000\)/],
];

for (const [args, env, message] of BAD) {
  t.test(`rejects ${[...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(' ')}`, async (t) => {
    t.throws(() => master(args, env), ConfigError);
    t.throws(() => master(args, env), { message });
  });
}

t.test('the help names them under the master, with their defaults', async (t) => {
  const help = settingsHelp([MASTER]);
  t.match(help, /--max-full-report-leases +servers asked for a full chunk report at once \(8\) \[CHUNKMASTER_MAX_FULL_REPORT_LEASES\]/);
  t.match(help, /--full-report-interval-ms .*\(3600000\) \[CHUNKMASTER_FULL_REPORT_INTERVAL_MS\]/);
  t.match(help, /--safe-mode-max-ms .*\(10 x safe mode\) \[CHUNKMASTER_SAFE_MODE_MAX_MS\]/);
});
