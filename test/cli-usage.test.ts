import t from 'tap';
import { runCli } from './fixtures/cli.js';

t.test('--help prints usage on stdout and exits 0', async (t) => {
  const result = await runCli(['--help']);
  t.equal(result.code, 0);
  t.match(result.stdout, /usage: chunkmaster <command>/);
  t.match(result.stdout, /--heartbeat-interval-ms/);
});

t.test('no command, an unknown one or a bad flag exit 2 with usage on stderr', async (t) => {
  for (const args of [[], ['launch'], ['stdio', 'extra'], ['stdio', '--port', 'x']]) {
    const result = await runCli(args);
    t.equal(result.code, 2, args.join(' '));
    t.match(result.stderr, /^chunkmaster: .+\n\nusage:/);
    t.equal(result.stdout, '');
  }
});
