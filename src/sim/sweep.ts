/**
 * A longer simulator sweep than the test suite runs: many seeds over a few
 * fleet shapes. `npm run sim:sweep [-- --from N --seeds N]`. Exit 1 if any
 * run breaks an invariant; each failure prints its reproduction line.
 */
import { parseArgs } from 'node:util';
import { reproduction } from './command.js';
import { simulate } from './simulate.js';

const SHAPES = [
  { servers: 6, chunks: 120, minutes: 15 },
  { servers: 12, chunks: 400, minutes: 20 },
  { servers: 30, chunks: 1500, minutes: 30 },
  { servers: 50, chunks: 5000, minutes: 60 },
];

const { values } = parseArgs({ options: { from: { type: 'string' }, seeds: { type: 'string' } } });
const from = Number(values.from ?? 1);
const seeds = Number(values.seeds ?? 200);
let failures = 0;
for (const shape of SHAPES) {
  // Bigger fleets cost more per run: fewer seeds of them.
  const count = Math.max(1, Math.round((seeds * 6) / shape.servers));
  const started = Date.now();
  for (let seed = from; seed < from + count; seed++) {
    const summary = simulate({ seed, ...shape });
    if (summary.violations.length === 0) continue;
    failures++;
    process.stdout.write(`FAIL ${reproduction(summary)}\n  ${summary.violations.join('\n  ')}\n`);
  }
  process.stdout.write(`${count} seeds of ${shape.servers} servers / ${shape.chunks} chunks / ${shape.minutes} min: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(failures === 0 ? 'all invariants held\n' : `${failures} runs broke an invariant\n`);
process.exitCode = failures === 0 ? 0 : 1;
