import t from 'tap';
import { loadConfig, parseKill } from '../../src/runtime/config.js';

t.test('fleet settings: flags, a value-less --ws, COUNT@SECONDS and URLs', async (t) => {
  const { config } = loadConfig(['fleet', '--ws', '--url', 'http://10.0.0.1:7070/', '--servers', '50', '--kill', '5@2.5', '--revive-after-ms', '4000', '--token-file', 't'], {
    CHUNKMASTER_INTERVAL_MS: '250',
  });
  t.same(config.fleet, { url: 'http://10.0.0.1:7070', servers: 50, chunksPerServer: 100, intervalMs: 250, ws: true, connections: 16, durationMs: 0, kill: { count: 5, atMs: 2500 }, reviveAfterMs: 4000 });
  t.equal(config.tokenFile, 't');
  t.equal(loadConfig([], { CHUNKMASTER_REVIVE_AFTER_MS: '250' }).config.fleet.reviveAfterMs, 250);
  t.equal(loadConfig([], {}).config.fleet.reviveAfterMs, 0, 'killed servers stay silent unless told');
  t.equal(loadConfig([], { CHUNKMASTER_WS: '1' }).config.fleet.ws, true);
  t.equal(loadConfig([], { CHUNKMASTER_WS: 'false' }).config.fleet.ws, false);
  t.same(parseKill(' 10@30 '), { count: 10, atMs: 30000 });
  const bad: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--kill', '10'], {}, /--kill: expected COUNT@SECONDS/],
    [['--url', 'ftp://x'], {}, /--url: expected an http:\/\/ URL/],
    [['--url', 'not a url'], {}, /expected an http:\/\/ URL/],
    [['--ws=yes'], {}, /ws/],
    [[], { CHUNKMASTER_WS: 'maybe' }, /CHUNKMASTER_WS: expected true or false/],
  ];
  for (const [args, env, message] of bad) t.throws(() => loadConfig(args, env), { message }, args.join(' ') || JSON.stringify(env));
});
