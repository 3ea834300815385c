import t from 'tap';
import { runSimulateCommand } from '../../src/sim/command.js';
import { type MasterFactory, simulate } from '../../src/sim/simulate.js';
import { runCli } from '../fixtures/cli.js';
import { deletesBelowRf } from '../fixtures/rogue-masters.js';

function run(args: string[], master?: MasterFactory) {
  let out = '';
  let err = '';
  const code = runSimulateCommand(args, { out: (text) => (out += text), err: (text) => (err += text) }, { master });
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
  const { traceHash } = simulate({ seed: 9, servers: 6, chunks: 60, minutes: 8 });
  t.match(out, new RegExp(`\ntrace: ${traceHash} \\(\\d+ messages and events\\)\n`), 'the trace hash of the same run');
});

t.test('a run that breaks an invariant exits 1 with its reproduction line', async (t) => {
  const { code, out, err } = run(['--seed', '3', '--servers', '6', '--chunks', '30', '--minutes', '6'], deletesBelowRf);
  t.equal(code, 1);
  t.match(out, /invariants: BROKEN\n  t=\d+ms: delete of/);
  t.equal(err, 'reproduce with: chunkmaster simulate --seed 3 --servers 6 --chunks 30 --minutes 6\n');
});

t.test('--seeds runs a range of seeds in one shape, a trace hash each', async (t) => {
  const shape = ['--servers', '5', '--chunks', '30', '--minutes', '6'];
  const { code, out } = run(['--seeds', '4..6', ...shape, '--replication-factor', '2']);
  t.equal(code, 0);
  const hashes = [4, 5, 6].map((seed) => simulate({ seed, servers: 5, chunks: 30, minutes: 6, core: { replicationFactor: 2 } }).traceHash);
  t.equal(out, `${hashes.map((hash, i) => `seed ${4 + i}: trace ${hash} ok\n`).join('')}all invariants held\n`);
  const broken = run(['--seeds', '3..4', '--servers', '6', '--chunks', '30', '--minutes', '6'], deletesBelowRf);
  t.equal(broken.code, 1);
  t.match(broken.out, /^seed 3: trace [0-9a-f]{16} BROKEN\nFAIL chunkmaster simulate --seed 3 --servers 6 --chunks 30 --minutes 6\n  t=\d+ms: delete of /);
  t.match(broken.out, /\n2 runs broke an invariant\n$/);
});

t.test('--sweep runs seeds of four fleet shapes from --seed on', async (t) => {
  // A rogue master stops each run at its first broken invariant, which keeps the big shapes quick.
  const { code, out } = run(['--sweep', '1', '--seed', '40', '--max-replication-streams', '3'], deletesBelowRf);
  t.equal(code, 1);
  for (const [servers, chunks, minutes] of [[6, 120, 15], [12, 400, 20], [30, 1500, 30], [50, 5000, 60]]) {
    t.match(out, `FAIL chunkmaster simulate --seed 40 --servers ${servers} --chunks ${chunks} --minutes ${minutes} --max-replication-streams 3\n`);
    t.match(out, new RegExp(`\n1 seeds of ${servers} servers / ${chunks} chunks / ${minutes} min: [\\d.]+ s\n`));
  }
  t.match(out, /\n4 runs in [\d.]+ s; faults: (none|(\w+=\d+ )*\w+=\d+)\n4 runs broke an invariant\n$/, 'and the faults it injected, by kind');
});

t.test('--masters runs every seed with that many masters, and says so', async (t) => {
  const { code, out } = run(['--sweep', '1', '--seed', '40', '--masters', '3'], deletesBelowRf);
  t.equal(code, 1);
  t.match(out, 'FAIL chunkmaster simulate --seed 40 --servers 6 --chunks 120 --minutes 15 --masters 3\n');
  t.match(out, /\n4 runs, 3 masters each, in [\d.]+ s; faults: /);
  const seeds = run(['--seeds', '1..2', '--servers', '5', '--chunks', '30', '--minutes', '6', '--masters', '2']);
  t.equal(seeds.code, 0, seeds.out);
  const hash = simulate({ seed: 1, servers: 5, chunks: 30, minutes: 6, masters: 2 }).traceHash;
  t.match(seeds.out, `seed 1: trace ${hash} ok\n`);
  t.not(hash, simulate({ seed: 1, servers: 5, chunks: 30, minutes: 6 }).traceHash);
  t.equal(run(['--masters', '0']).code, 2);
  t.equal(run(['--masters', '8']).code, 2);
});

t.test('bad flags exit 2 with usage', async (t) => {
  const bad = [['--seed', 'x'], ['--servers', '0'], ['--minutes', ''], ['--bogus', '1'], ['extra'], ['--sweep', '0']];
  const clashes = [['--seeds', '1..2', '--seed', '3'], ['--seeds', '1..2', '--sweep', '3'], ['--sweep', '1', '--servers', '5']];
  const ranges = [['--seeds', '3..1'], ['--seeds', '1-3'], ['--seeds', '1..4294967296'], ['--seeds', '']];
  for (const args of [...bad, ...clashes, ...ranges]) {
    const { code, err } = run(args);
    t.equal(code, 2, args.join(' '));
    t.match(err, /usage: chunkmaster simulate/);
  }
  t.match(run(clashes[0] as string[]).err, /--seed does not go with --seeds/);
  t.match(run(clashes[2] as string[]).err, /--servers does not go with --sweep/);
  t.match(run(ranges[0] as string[]).err, /--seeds: expected A\.\.B/);
  const help = run(['--help']);
  t.equal(help.code, 0);
  t.match(help.out, /usage: chunkmaster simulate/);
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
