import t from 'tap';
import { cycles, importGraph, importsIn, lineCount, sourceFiles } from '../fixtures/imports.js';

/** Past this a file does two jobs: split it. */
const MAX_LINES = 300;

t.test('the import graph of src/ has no cycle (type-only imports count: they knot the design all the same)', async (t) => {
  const graph = importGraph('src');
  t.ok(graph.size > 20, 'the graph holds the source files');
  t.ok([...graph.values()].some((targets) => targets.length > 0), 'and their imports');
  const found = cycles(graph).map((path) => path.join(' -> '));
  t.same(found, [], found.length === 0 ? 'no cycle' : `import cycles: ${found.join('; ')}`);
});

t.test(`no file in src/ is over ${MAX_LINES} lines`, async (t) => {
  const over = sourceFiles('src')
    .map((file) => ({ file, lines: lineCount(file) }))
    .filter(({ lines }) => lines > MAX_LINES)
    .map(({ file, lines }) => `${file}: ${lines} lines`);
  t.same(over, [], over.length === 0 ? 'every file is short enough' : `files over ${MAX_LINES} lines: ${over.join('; ')}`);
});

t.test('the cycle finder reports each cycle as a path, and only real ones', async (t) => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c', 'd']],
    ['c', ['a']],
    ['d', []],
    ['e', ['e']],
    ['f', ['d', 'g']],
    ['g', ['f', 'h']],
    ['h', ['g']],
  ]);
  t.same(cycles(graph), [['a', 'b', 'c', 'a'], ['e', 'e'], ['f', 'g', 'f'], ['g', 'h', 'g']]);
  t.same(cycles(new Map([['a', ['b']], ['b', []]])), []);
});

t.test('the import reader sees every kind of import, and which are type-only', async (t) => {
  const text = [
    "import { Master } from '../core/index.js';",
    "import type { Clock } from './clock.js';",
    "import { type Logger } from './logger.js';",
    "import { type Body, answer } from '../protocol/dispatch.js';",
    "import './side-effect.js';",
    "export { x } from 'undici';",
    "export type { Y } from 'node:fs';",
    "import fs = require('node:fs');",
    "const later = () => import('./later.js');",
    "let z: import('./types.js').Z;",
  ].join('\n');
  const found = importsIn('src/runtime/example.ts', text).map(({ specifier, file, typeOnly, line }) => [specifier, file, typeOnly, line]);
  t.same(found, [
    ['../core/index.js', 'src/core/index.ts', false, 1],
    ['./clock.js', 'src/runtime/clock.ts', true, 2],
    ['./logger.js', 'src/runtime/logger.ts', true, 3],
    ['../protocol/dispatch.js', 'src/protocol/dispatch.ts', false, 4],
    ['./side-effect.js', 'src/runtime/side-effect.ts', false, 5],
    ['undici', undefined, false, 6],
    ['node:fs', undefined, true, 7],
    ['node:fs', undefined, false, 8],
    ['./later.js', 'src/runtime/later.ts', false, 9],
    ['./types.js', 'src/runtime/types.ts', true, 10],
  ]);
});
