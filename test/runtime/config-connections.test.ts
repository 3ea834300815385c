import t from 'tap';
import { ConfigError, SERVE_SETTINGS, STDIO_SETTINGS, loadConfig } from '../../src/runtime/config.js';

const serve = (args: string[], env: NodeJS.ProcessEnv) => loadConfig(args, env, SERVE_SETTINGS).config.daemon.http;

t.test('--max-connections caps open connections: 10000 unless told', async (t) => {
  t.equal(serve(['serve'], {}).maxConnections, 10_000);
  t.equal(serve(['serve', '--max-connections', '50'], { CHUNKMASTER_MAX_CONNECTIONS: '7' }).maxConnections, 50, 'the flag wins');
  t.equal(serve(['serve'], { CHUNKMASTER_MAX_CONNECTIONS: '7' }).maxConnections, 7);
  t.throws(() => serve(['serve', '--max-connections', '0'], {}), ConfigError);
  t.throws(() => loadConfig(['stdio', '--max-connections', '5'], {}, STDIO_SETTINGS), ConfigError, 'a daemon setting');
});
