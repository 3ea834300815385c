import t from 'tap';
import { formatSummary, reproduction, runSimulateCommand } from '../../src/sim/command.js';
import { simulate } from '../../src/sim/simulate.js';
import { runCli } from '../fixtures/cli.js';

function run(args: string[]) {
  let out = '';
  let err = '';
  const code = runSimulateCommand(args, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

t.test('a run prints its summary and exits 0 when the invariants hold', async (t) => {
  const { code, out } = run(['--seed', '9', '--servers', '6', '--chunks', '60', '--minutes', '8']);
  t.equal(code, 0);
  t.match(out, /^seed 9: 6 servers, 60 chunks, 8 virtual minutes/);
  t.match(out, /deaths: \d+/);
  t.match(out, /copies: \d+ ordered/);
  t.match(out, /full replication: [\d.]+ s after faults stopped/);
  t.match(out, /invariants: ok/);
});

t.test('bad flags exit 2 with usage', async (t) => {
  for (const args of [['--seed', 'x'], ['--servers', '0'], ['--minutes', ''], ['--bogus', '1'], ['extra']]) {
    const { code, err } = run(args);
    t.equal(code, 2, args.join(' '));
    t.match(err, /usage: chunkmaster simulate/);
  }
  const help = run(['--help']);
  t.equal(help.code, 0);
  t.match(help.out, /usage: chunkmaster simulate/);
});

t.test('a broken invariant is printed with a reproduction line', async (t) => {
  const summary = simulate({ seed: 2, servers: 5, chunks: 20, minutes: 6 });
  summary.violations.push('t=1ms: something broke');
  const text = formatSummary(summary);
  t.match(text, /invariants: BROKEN\n  t=1ms: something broke/);
  t.equal(reproduction(summary), 'chunkmaster simulate --seed 2 --servers 5 --chunks 20 --minutes 6');
  t.equal(
    reproduction(summary, { replicationFactor: 2, maxReplicationStreams: 4 }),
    'chunkmaster simulate --seed 2 --servers 5 --chunks 20 --minutes 6 --replication-factor 2 --max-replication-streams 4',
  );
});

t.test('the CLI runs simulate and lists it in its help', async (t) => {
  const result = await runCli(['simulate', '--seed', '5', '--servers', '6', '--chunks', '40', '--minutes', '6']);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /invariants: ok/);
  const help = await runCli(['--help']);
  t.match(help.stdout, /simulate +run a deterministic fault simulation/);
  const unknown = await runCli(['frobnicate']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command or argument: frobnicate/);
  const extra = await runCli(['stdio', 'extra']);
  t.equal(extra.code, 2);
});
