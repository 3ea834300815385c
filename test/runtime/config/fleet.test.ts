import t from 'tap';
import { FLEET_SETTINGS, loadConfig, parseKill } from '../../../src/runtime/config.js';

const fleet = (args: string[], env: NodeJS.ProcessEnv) => loadConfig(args, env, FLEET_SETTINGS).config.fleet;

t.test('fleet settings: flags, a value-less --ws, COUNT@SECONDS and URLs', async (t) => {
  const config = fleet(['fleet', '--ws', '--url', 'http://10.0.0.1:7070/', '--servers', '50', '--kill', '5@2.5', '--revive-after-ms', '4000', '--token-file', 't'], {
    CHUNKMASTER_INTERVAL_MS: '250',
  });
  t.same(config, {
    urls: ['http://10.0.0.1:7070'], tokenFile: 't', servers: 50, chunksPerServer: 100, replicationFactor: 3, intervalMs: 250, ws: true,
    connections: 16, durationMs: 0, kill: { count: 5, atMs: 2500 }, reviveAfterMs: 4000, report: 'incremental', churnPerMin: 0, reportPartSize: 10000,
  });
  t.equal(config.tokenFile, 't');
  t.equal(fleet([], { CHUNKMASTER_REVIVE_AFTER_MS: '250' }).reviveAfterMs, 250);
  t.equal(fleet([], {}).reviveAfterMs, 0, 'killed servers stay silent unless told');
  t.equal(fleet([], { CHUNKMASTER_WS: '1' }).ws, true);
  t.equal(fleet([], { CHUNKMASTER_WS: 'false' }).ws, false);
  t.same(parseKill(' 10@30 '), { count: 10, atMs: 30000 });
  t.same(fleet(['--url', 'http://a:1/, https://b:2'], {}).urls, ['http://a:1', 'https://b:2'], 'several masters, comma-separated');
  t.same(fleet([], { CHUNKMASTER_URL: 'http://a:1,http://b:2' }).urls, ['http://a:1', 'http://b:2']);
  const bad: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--kill', '10'], {}, /--kill: expected COUNT@SECONDS/],
    [['--url', 'ftp://x'], {}, /--url: expected an http:\/\/ URL/],
    [['--url', 'not a url'], {}, /expected an http:\/\/ URL/],
    [['--url', 'http://a:1,'], {}, /^--url: expected an http:\/\/ URL, got ""/],
    [['--url', 'http://a:1,http://b:2,http://a:1/'], {}, /^--url: http:\/\/a:1 is named twice/],
    [['--ws=yes'], {}, /ws/],
    [[], { CHUNKMASTER_WS: 'maybe' }, /CHUNKMASTER_WS: expected true or false/],
  ];
  for (const [args, env, message] of bad) t.throws(() => fleet(args, env), { message }, args.join(' ') || JSON.stringify(env));
});

t.test('--replication-factor: the replicas each chunk starts with, the master\'s default unless told', async (t) => {
  t.equal(fleet([], {}).replicationFactor, 3);
  t.equal(fleet(['--replication-factor', '2'], {}).replicationFactor, 2);
  t.equal(fleet([], { CHUNKMASTER_REPLICATION_FACTOR: '5' }).replicationFactor, 5, 'the same variable as the master\'s');
  t.throws(() => fleet(['--replication-factor', '0'], {}), { message: /^--replication-factor: expected an integer from 1 to 100/ });
});

t.test('--report, --churn-per-min and --report-part-size: flags and environment variables', async (t) => {
  t.same(fleet(['--report', 'full', '--churn-per-min', '120', '--report-part-size', '500'], {}), { ...fleet([], {}), report: 'full', churnPerMin: 120, reportPartSize: 500 });
  t.same(
    fleet([], { CHUNKMASTER_REPORT: 'full', CHUNKMASTER_CHURN_PER_MIN: '6', CHUNKMASTER_REPORT_PART_SIZE: '1' }),
    { ...fleet([], {}), report: 'full', churnPerMin: 6, reportPartSize: 1 },
  );
  t.equal(fleet(['--report', 'incremental'], { CHUNKMASTER_REPORT: 'full' }).report, 'incremental', 'the flag wins');
  const bad: [string[], RegExp][] = [
    [['--report', 'partial'], /^--report: expected one of incremental, full, got "partial"/],
    [['--churn-per-min=-1'], /^--churn-per-min: expected an integer from 0 to 1000000/],
    [['--report-part-size', '0'], /^--report-part-size: expected an integer from 1 to 10000000/],
  ];
  for (const [args, message] of bad) t.throws(() => fleet(args, {}), { message }, args.join(' '));
});
