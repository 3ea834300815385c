import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createLogger, openLog } from '../../src/runtime/logger.js';
import { until } from '../fixtures/wait.js';

t.test('openLog: JSON by default, readable lines when asked, drops told in the same format', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-log-'));
  const json = join(dir, 'json.log');
  const pretty = join(dir, 'pretty.log');
  const jsonFd = openSync(json, 'w');
  const prettyFd = openSync(pretty, 'w');
  t.teardown(() => {
    closeSync(jsonFd);
    closeSync(prettyFd);
  });
  const plain = openLog('info', { fd: jsonFd, format: 'auto' });
  plain.log.info({ server: 'cs1' }, 'hello');
  plain.log.debug('not at info');
  t.equal(await plain.output.close(1000), true);
  t.match(JSON.parse(readFileSync(json, 'utf8')), { level: 30, name: 'chunkmaster', server: 'cs1', msg: 'hello' });

  const readable = openLog('info', { fd: prettyFd, format: 'pretty', maxBytes: 200 });
  readable.log.warn('first');
  readable.log.info('x'.repeat(300));
  await until(() => readFileSync(pretty, 'utf8').includes('dropped'), 'the drop notice');
  const text = readFileSync(pretty, 'utf8');
  t.match(text, /WARN \(chunkmaster\): first/);
  t.match(text, /WARN \(chunkmaster\): 1 log lines dropped/);
  t.notMatch(text, /^\{/m, 'no JSON lines');
  t.equal(readable.output.dropped, 1);
});

t.test('createLogger is openLog without the output', async (t) => {
  const log = createLogger('silent');
  t.equal(log.level, 'silent');
  log.info('never written');
});
