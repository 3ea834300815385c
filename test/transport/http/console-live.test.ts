import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { launchChromium, startDaemon } from '../../fixtures/browser.js';
import { ConsoleFleet } from '../../fixtures/console-fleet.js';
import { until } from '../../fixtures/wait.js';

const INTERVAL_MS = 300;
const DEAD_AFTER_MISSED = 3;
const DEAD_TIMEOUT_MS = INTERVAL_MS * DEAD_AFTER_MISSED;
// Taken on every run; written over the README's picture only when asked, so a run leaves the tree clean.
const SCREENSHOT = process.env['CHUNKMASTER_UPDATE_SCREENSHOT'] === '1'
  ? fileURLToPath(new URL('../../../docs/console.png', import.meta.url))
  : join(mkdtempSync(join(tmpdir(), 'chunkmaster-console-')), 'console.png');

t.test('the console follows a live fleet: every server, a death without a reload, the events and the chart', async (t) => {
  const { base } = await startDaemon(t, ['--heartbeat-interval-ms', String(INTERVAL_MS), '--dead-after-missed', String(DEAD_AFTER_MISSED), '--safe-mode-ms', '0']);
  const fleet = new ConsoleFleet(base, 12, 240, { intervalMs: INTERVAL_MS, copyDelayMs: 1500 });
  fleet.start();
  t.teardown(() => fleet.stop());
  await until(() => fleet.lastAnswered.size === 12, 'every server answered');
  t.equal((await fetch(`${base}/servers/cs07/drain`, { method: 'POST' })).status, 200, 'one server drains, as in a real fleet');

  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(base);

  const rows = page.locator('#servers tbody tr');
  await page.locator('#servers[data-shown="12"]').waitFor();
  t.same(await rows.locator('td:first-child').allTextContents(), fleet.ids, 'the table shows every server, in id order');
  t.equal(await page.locator('#servers tbody tr.status-draining td.status').textContent(), 'draining');
  await page.locator('#stream', { hasText: 'events: live' }).waitFor();
  t.match(await page.locator('#summary').textContent(), /alive\s*11.*dead\s*0.*draining\s*1/s, 'the strip counts them');
  t.match(await page.locator('#summary').textContent(), /leader\s*single master/, 'a single master: no group');
  await page.waitForTimeout(5000); // a few seconds of a quiet fleet in the chart first
  const samplesBefore = Number(await page.locator('#chart').getAttribute('data-samples'));

  fleet.silence('cs03');
  await until(() => Date.now() - (fleet.lastAnswered.get('cs03') ?? 0) > INTERVAL_MS * 1.5, 'cs03 silent');
  const lastHeard = fleet.lastAnswered.get('cs03') as number;
  const deadRow = page.locator('#servers tbody tr', { hasText: 'cs03' });
  await deadRow.locator('td.status', { hasText: 'dead' }).waitFor({ timeout: DEAD_TIMEOUT_MS + 5000 });
  const seenDeadMs = Date.now() - lastHeard;
  t.comment(`cs03 shown dead ${seenDeadMs} ms after its last answered heartbeat (dead timeout ${DEAD_TIMEOUT_MS} ms)`);
  t.ok(seenDeadMs <= DEAD_TIMEOUT_MS + 2000, `dead in the page within the dead timeout + 2 s (${seenDeadMs} ms)`);
  t.equal(await deadRow.getAttribute('class'), 'status-dead', 'its row is marked dead (red)');
  t.equal(await page.evaluate("getComputedStyle(document.querySelector('#servers tr.status-dead td.status')).color"), 'rgb(198, 40, 40)', 'in red');

  const deathEvent = page.locator('#events tbody tr.event-server_dead');
  await deathEvent.first().waitFor();
  t.match(await deathEvent.first().textContent(), /server_dead\s*1\s*cs03; \d+ replicas stopped counting/, 'the events feed shows the death');
  await page.waitForFunction("Number(document.querySelector('#chart').dataset.under) > 0");
  await page.locator('#summary .item', { hasText: /copies pending\s*[1-9]/ }).waitFor();
  t.ok(Number(await page.locator('#chart').getAttribute('data-samples')) > samplesBefore, 'the chart gained samples');
  t.equal(await page.locator('#chart canvas').count(), 1, 'uPlot drew its canvas');
  await page.waitForTimeout(2500); // the repair under way, for the picture
  await page.screenshot({ path: SCREENSHOT });
  t.same([...readFileSync(SCREENSHOT).subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join(''), 'PNG', 'a screenshot was taken');

  // Repairs finish: the chart and the strip follow them back down.
  await page.locator('#chart[data-under="0"]').waitFor({ timeout: 60_000 });
  t.pass('under-replicated back to 0 in the chart once the copies are made');

  await page.click('#servers th[data-key="chunks"]');
  const sorted = (await rows.locator('td:nth-child(4)').allTextContents()).map((text) => Number(text.replace(/,/g, '')));
  t.same(sorted, [...sorted].sort((a, b) => a - b), 'sorted by chunks');
  await page.fill('#filter', 'cs1');
  await page.locator('#servers[data-shown="2"]').waitFor();
  t.same(await rows.locator('td:first-child').allTextContents(), ['cs10', 'cs11'], 'filtered by id');
  await page.fill('#filter', '');
  await page.selectOption('#status-filter', 'dead');
  await page.locator('#servers[data-shown="1"]').waitFor();
  t.same(await rows.locator('td:first-child').allTextContents(), ['cs03'], 'filtered by status');

  await page.click('#servers tbody tr >> text=cs03');
  await page.locator('#server-view[data-status="dead"]').waitFor();
  t.ok(page.url().endsWith('#/servers/cs03'), 'a hash route per server');
  const view = await page.locator('#server-view').textContent();
  t.match(view, /status\s*dead/);
  t.match(view, /chunks\s*[\d,]+/, 'its chunk count');
  t.match(view, /copies from it\s*0\s*copies to it\s*0\s*deletes asked of it\s*0/, 'a dead server takes part in no instruction');
  t.match(view, /server_dead/, 'its events seen here');
  await page.goto(`${base}/#/servers/nobody`);
  await page.locator('#server-view', { hasText: 'unknown server' }).waitFor();
  t.same(errors, [], 'no script error in the page');
});
