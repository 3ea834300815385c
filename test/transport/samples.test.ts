import { readFileSync, readdirSync } from 'node:fs';
import t from 'tap';
import { runCli } from '../fixtures/cli.js';

const dir = new URL('../fixtures/samples/', import.meta.url);
const cases = readdirSync(dir).filter((name) => name.endsWith('.in.jsonl'));

t.ok(cases.length >= 2, 'the task sample cases are present');

for (const name of cases) {
  t.test(name.replace('.in.jsonl', ''), async (t) => {
    const input = readFileSync(new URL(name, dir), 'utf8');
    const expected = readFileSync(new URL(name.replace('.in.', '.out.'), dir), 'utf8').split('\n').filter(Boolean);
    const result = await runCli(['stdio'], input);
    t.equal(result.code, 0, 'exits 0 at EOF');
    const lines = result.stdout.split('\n').filter(Boolean);
    // The expected lines must appear byte for byte, in order, as the first lines out.
    t.same(lines.slice(0, expected.length), expected);
    t.ok(result.stdout.endsWith('\n'), 'every line is newline-terminated');
  });
}
