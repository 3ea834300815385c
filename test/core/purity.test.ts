import { readFileSync, readdirSync } from 'node:fs';
import t from 'tap';

/** The core is told the time and does no I/O: nothing in it may reach for either. */
const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\b/, 'Date'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b/, 'timers'],
  [/\bprocess\b/, 'process'],
  [/\bperformance\b/, 'performance'],
  [/from\s+['"]node:|require\(/, 'node: imports'],
  [/from\s+['"](fs|path|os|net|http|child_process|events|pino|fastify|ws)['"]/, 'I/O packages'],
  [/\bconsole\./, 'console'],
  [/\bMath\.random\b/, 'unseeded randomness'],
];

const dir = new URL('../../src/core/', import.meta.url);
const files = readdirSync(dir).filter((name) => name.endsWith('.ts'));

t.ok(files.length > 3, 'the core has modules to check');
for (const name of files) {
  const code = readFileSync(new URL(name, dir), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  for (const [pattern, what] of FORBIDDEN) {
    t.notMatch(code, pattern, `src/core/${name} uses no ${what}`);
  }
}

t.test('the check itself catches a clock read', async (t) => {
  const sample = 'const now = Date.now();';
  t.ok(FORBIDDEN.some(([pattern]) => pattern.test(sample)));
});
