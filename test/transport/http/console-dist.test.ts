import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { CONSOLE_DIR } from '../../../src/transport/http/console.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUILT_CLI = `${ROOT}dist/cli.js`;
const PORT = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;

t.test('the built daemon (npm run build) serves the page and every file it loads', async (t) => {
  t.ok(existsSync(BUILT_CLI), 'dist/cli.js exists (npm test builds first; alone, run npm run build)');
  // Plain node, no TypeScript loader: what `npm start` and the image run.
  const child = spawn(process.execPath, [BUILT_CLI, 'serve', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stderr = '';
  const port = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = PORT.exec(stderr);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', () => reject(new Error(`the built daemon exited: ${stderr}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const page = await fetch(base);
  t.equal(page.status, 200);
  t.equal(await page.text(), readFileSync(`${CONSOLE_DIR}/index.html`, 'utf8'), 'the page, as in src (a stale build fails here)');
  for (const name of readdirSync(CONSOLE_DIR).filter((file) => file !== 'index.html')) {
    const res = await fetch(`${base}/console/${name}`);
    t.equal(res.status, 200, name);
    t.equal(await res.text(), readFileSync(`${CONSOLE_DIR}/${name}`, 'utf8'), `${name}, as in src`);
  }
  const uplot = await fetch(`${base}/console/uPlot.iife.min.js`);
  t.equal(uplot.status, 200, 'uPlot, from its package');
  t.match(await uplot.text(), /uPlot/);
});

t.test('the published package carries the page beside the compiled transport', async (t) => {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as [{ files: { path: string }[] }];
  const files = new Set(packed.files.map((file) => file.path));
  for (const name of readdirSync(CONSOLE_DIR)) t.ok(files.has(`dist/transport/http/console/${name}`), `dist/transport/http/console/${name}`);
  t.ok(files.has('dist/transport/http/console.js'));
  const manifest = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { dependencies: Record<string, string> };
  t.ok(manifest.dependencies['uplot'] && manifest.dependencies['@fastify/static'], 'uPlot and @fastify/static are runtime dependencies');
});
