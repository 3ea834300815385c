import t from 'tap';
import { ConfigError, loadConfig } from '../../src/runtime/config.js';

t.test('--max-connections caps open connections: 10000 unless told', async (t) => {
  t.equal(loadConfig(['serve'], {}).config.http.maxConnections, 10_000);
  t.equal(loadConfig(['serve', '--max-connections', '50'], { CHUNKMASTER_MAX_CONNECTIONS: '7' }).config.http.maxConnections, 50, 'the flag wins');
  t.equal(loadConfig(['serve'], { CHUNKMASTER_MAX_CONNECTIONS: '7' }).config.http.maxConnections, 7);
  t.throws(() => loadConfig(['serve', '--max-connections', '0'], {}), ConfigError);
  t.throws(() => loadConfig(['stdio', '--max-connections', '5'], {}, ['master', 'logging']), ConfigError, 'a daemon setting');
});
