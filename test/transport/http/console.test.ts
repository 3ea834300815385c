import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { TokenStore, createToken, digestOf } from '../../../src/runtime/tokens.js';
import { copyConsoleAssets } from '../../../src/tools/console-assets.js';
import { CONSOLE_DIR } from '../../../src/transport/http/console.js';
import { build } from '../../fixtures/app.js';

const operator = createToken();
const cs1 = createToken();
const tokens = TokenStore.parse(JSON.stringify({ servers: { cs1: digestOf(cs1) }, operators: [digestOf(operator)] }));

t.test('GET / and its files are served without a token, with their types', async (t) => {
  const { app } = build(t, { tokens });
  const page = await app.inject({ url: '/' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.equal(page.body, readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8'));
  const linked = [...page.body.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((match) => match[1] as string);
  t.ok(linked.includes('/console/uPlot.iife.min.js') && linked.includes('/console/main.js'), 'the page loads uPlot and its module from the daemon');
  for (const url of linked) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 200, url);
    t.match(res.headers['content-type'], url.endsWith('.css') ? /^text\/css/ : /javascript/, url);
  }
  // Every module the entry imports, and theirs, is there too.
  const modules = readdirSync(CONSOLE_DIR).filter((name) => name.endsWith('.js'));
  for (const name of modules) {
    const text = (await app.inject({ url: `/console/${name}` })).body;
    for (const [, imported] of text.matchAll(/from '\.\/([^']+)'/g)) t.ok(modules.includes(imported as string), `${name} imports ${imported}, which is served`);
  }
  t.notMatch(page.body, /https?:\/\//, 'nothing comes from another site');
});

t.test('only the page\'s own files: anything else is a JSON 404 or 400, never a file from elsewhere', async (t) => {
  const { app } = build(t);
  for (const url of ['/console/nothing.js', '/console/index.html', '/console/package.json']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 404, url);
    t.equal(res.json().statusCode, 404, `${url}: JSON`);
  }
  for (const url of ['/console/..%2Fconsole.ts', '/console/.hidden', '/console/%2E%2E%2F%2E%2E%2Fpackage.json']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 400, url);
    t.match(res.json().message, /params\/file/, url);
  }
});

t.test('the reads the page makes still need an operator token', async (t) => {
  const { app } = build(t, { tokens });
  t.equal((await app.inject({ url: '/servers' })).statusCode, 401);
  t.equal((await app.inject({ url: '/servers', headers: { authorization: `Bearer ${cs1}` } })).statusCode, 403);
  t.equal((await app.inject({ url: '/servers', headers: { authorization: `Bearer ${operator}` } })).statusCode, 200);
});

t.test('the build puts the page beside the compiled transport; from src it copies nothing', async (t) => {
  const to = mkdtempSync(join(tmpdir(), 'console-assets-'));
  t.teardown(() => rmSync(to, { recursive: true, force: true }));
  writeFileSync(join(to, 'stale.js'), 'left by an older build');
  copyConsoleAssets(CONSOLE_DIR, to);
  t.same(readdirSync(to).sort(), readdirSync(CONSOLE_DIR).sort(), 'the same files, and no stale one');
  t.equal(readFileSync(join(to, 'main.js'), 'utf8'), readFileSync(join(CONSOLE_DIR, 'main.js'), 'utf8'));
  const before = readdirSync(CONSOLE_DIR).sort();
  copyConsoleAssets(CONSOLE_DIR, `${CONSOLE_DIR}/`);
  t.same(readdirSync(CONSOLE_DIR).sort(), before, 'copying a directory onto itself leaves it alone');
});
