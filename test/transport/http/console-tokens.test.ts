import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createToken, digestOf } from '../../../src/runtime/tokens.js';
import { launchChromium, startDaemon } from '../../fixtures/browser.js';
import { ConsoleFleet } from '../../fixtures/console-fleet.js';

t.test('with --tokens-file the page asks for an operator token, refuses a wrong one and keeps the right one in the tab', async (t) => {
  const operator = createToken();
  const server = createToken();
  const dir = mkdtempSync(join(tmpdir(), 'console-tokens-'));
  const file = join(dir, 'tokens.json');
  writeFileSync(file, JSON.stringify({ servers: { cs00: digestOf(server) }, operators: [digestOf(operator)] }));
  const { base } = await startDaemon(t, ['--tokens-file', file, '--safe-mode-ms', '0']);
  const fleet = new ConsoleFleet(base, 1, 3, { intervalMs: 500, copyDelayMs: 0, rf: 1, headers: { authorization: `Bearer ${server}` } });
  await fleet.beat('cs00');

  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const urls: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(base);

  await page.locator('#login').waitFor();
  t.ok(await page.locator('#console').isHidden(), 'nothing is shown before a token');
  t.equal(await page.locator('#login-error').textContent(), '', 'no complaint before one was given');

  await page.fill('#token', 'not-a-token');
  await page.click('#login button');
  await page.locator('#login-error', { hasText: 'token refused' }).waitFor();
  t.ok(await page.locator('#console').isHidden(), 'a wrong token is refused');

  await page.fill('#token', server);
  await page.click('#login button');
  await page.locator('#login-error', { hasText: "chunk server's token" }).waitFor();
  t.ok(await page.locator('#console').isHidden(), "a chunk server's token is refused too");

  await page.fill('#token', operator);
  await page.click('#login button');
  await page.locator('#servers[data-shown="1"]').waitFor();
  t.equal(await page.locator('#servers tbody td:first-child').textContent(), 'cs00');
  await page.locator('#stream', { hasText: 'events: live' }).waitFor();
  t.pass('the event stream took the token too');
  t.equal(await page.evaluate("sessionStorage.getItem('chunkmaster.token')"), operator, 'kept in sessionStorage');

  await page.reload();
  await page.locator('#servers[data-shown="1"]').waitFor();
  t.ok(await page.locator('#login').isHidden(), 'a reload in the same tab needs no new prompt');

  const fresh = await browser.newPage();
  await fresh.goto(base);
  await fresh.locator('#login').waitFor();
  t.pass('another tab asks again');

  for (const secret of [operator, server, 'not-a-token']) t.notOk(urls.some((url) => url.includes(secret)), 'no token in any URL');
  t.same(errors, []);
});
