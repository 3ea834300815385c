import { readFileSync } from 'node:fs';
import t from 'tap';
import { type Import, ROOT, importsOf, sourceFiles } from '../fixtures/imports.js';

const CORE = 'src/core/';

/**
 * The core is told the time and does no I/O: it may import only itself.
 * Type-only imports count too: a core that names another layer's types
 * depends on that layer's shape and could not be compiled, tested or moved
 * alone; what the core needs from outside it declares itself, and the
 * outside adapts to it.
 */
function leavesTheCore(entry: Import): boolean {
  return entry.file === undefined || !entry.file.startsWith(CORE);
}

/** Names that reach for time, timers, the process or I/O without importing anything. */
const AMBIENT: [RegExp, string][] = [
  [/\bDate\b/, 'Date'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b/, 'timers'],
  [/\bprocess\b/, 'process'],
  [/\bperformance\b/, 'performance'],
  [/\brequire\(/, 'require()'],
  [/\bconsole\./, 'console'],
  [/\bMath\.random\b/, 'unseeded randomness'],
  [/\b(fetch|globalThis|Buffer)\b/, 'I/O globals'],
];

const files = sourceFiles('src/core');
t.ok(files.length > 3, 'the core has modules to check');

t.test('a core file imports only other core files', async (t) => {
  for (const file of files) {
    const outside = importsOf(file).filter(leavesTheCore).map((entry) => `line ${entry.line}: '${entry.specifier}'`);
    t.same(outside, [], outside.length === 0 ? `${file} imports only the core` : `${file} imports from outside src/core/: ${outside.join(', ')}`);
  }
});

t.test('a core file uses no ambient time, timer, process or I/O global', async (t) => {
  for (const file of files) {
    const code = readFileSync(`${ROOT}${file}`, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const [pattern, what] of AMBIENT) t.notMatch(code, pattern, `${file} uses no ${what}`);
  }
});

t.test('the import check tells core from outside', async (t) => {
  const entry = (specifier: string, file: string | undefined): Import => ({ specifier, file, typeOnly: false, line: 1 });
  t.notOk(leavesTheCore(entry('./heap.js', 'src/core/heap.ts')));
  t.ok(leavesTheCore(entry('../runtime/clock.js', 'src/runtime/clock.ts')));
  t.ok(leavesTheCore(entry('undici', undefined)));
  t.ok(leavesTheCore(entry('node:fs', undefined)));
  t.ok(leavesTheCore({ ...entry('../protocol/schemas.js', 'src/protocol/schemas.ts'), typeOnly: true }));
});

t.test('the ambient check catches a clock read', async (t) => {
  t.ok(AMBIENT.some(([pattern]) => pattern.test('const now = Date.now();')));
});
