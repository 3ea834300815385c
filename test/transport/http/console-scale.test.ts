import t from 'tap';
import { launchChromium, startDaemon } from '../../fixtures/browser.js';
import { connect } from '../../fixtures/ws.js';

const SERVERS = 10_000;

/** Registers `count` servers with one heartbeat each, over one WebSocket (faster than 10,000 requests). */
async function register(base: string, count: number): Promise<void> {
  const client = await connect(`${base.replace('http', 'ws')}/ws`);
  for (let i = 0; i < count; i++) {
    const chunks = Array.from({ length: i % 7 }, (_, k) => `c${i}-${k}`);
    client.send({ type: 'heartbeat', msg_id: i, server: `s${String(i).padStart(5, '0')}`, chunks, disk_usage_pct: i % 100, health: i % 50 === 0 ? 'degraded' : 'healthy' });
  }
  for (let i = 0; i < count; i++) {
    const reply = await client.next();
    if (reply['type'] !== 'heartbeat_ok') throw new Error(`heartbeat refused: ${JSON.stringify(reply)}`);
  }
  await client.close();
}

t.test('10,000 servers render, and sorting and filtering them keeps the page responsive', async (t) => {
  // Heartbeats every 10 min: one each keeps the whole fleet alive for the test.
  const { base } = await startDaemon(t, ['--heartbeat-interval-ms', '600000', '--safe-mode-ms', '0']);
  const registering = Date.now();
  await register(base, SERVERS);
  t.comment(`registered ${SERVERS} servers in ${Date.now() - registering} ms`);

  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // Every task over 50 ms the page runs, from the first script on.
  await page.addInitScript(`
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  `);
  const loading = Date.now();
  await page.goto(base);
  await page.locator(`#servers[data-shown="${SERVERS}"]`).waitFor({ timeout: 60_000 });
  const loadMs = Date.now() - loading;
  t.equal(await page.locator('#servers tbody tr').count(), 100, 'one page of rows in the DOM, not 10,000');
  t.match(await page.locator('#page-info').textContent(), /^1-100 of 10,000$/);
  t.match(await page.locator('#summary').textContent(), /alive\s*10,000/);

  const timed = (action: string) => page.evaluate((code) => {
    const started = performance.now();
    new Function(code)();
    return performance.now() - started;
  }, action);
  const sortMs = await timed("document.querySelector('#servers th[data-key=\"chunks\"]').click()");
  const sortAgainMs = await timed("document.querySelector('#servers th[data-key=\"chunks\"]').click()");
  t.equal(await page.locator('#servers tbody tr:first-child td:nth-child(4)').textContent(), '6', 'sorted by chunks, most first');
  const filterMs = await timed("const f = document.querySelector('#filter'); f.value = 's0999'; f.dispatchEvent(new Event('input'))");
  t.equal(await page.locator('#servers').getAttribute('data-shown'), '10', 'filtered: s09990 to s09999');
  await timed("const f = document.querySelector('#filter'); f.value = ''; f.dispatchEvent(new Event('input'))");
  const pageMs = await timed("document.querySelector('#next').click()");
  t.match(await page.locator('#page-info').textContent(), /^101-200 of 10,000$/);

  // Several polls of the whole list go by while the page is watched.
  const longestBefore = (await page.evaluate('window.longTasks') as number[]).reduce((a, b) => Math.max(a, b), 0);
  await page.waitForTimeout(5000);
  const longTasks = (await page.evaluate('window.longTasks')) as number[];
  const longest = Math.max(0, ...longTasks);
  const clickMs = await timed("document.querySelector('#prev').click()");
  t.comment(`10,000 servers: table shown ${loadMs} ms after navigation; sort ${sortMs.toFixed(1)} ms, reverse ${sortAgainMs.toFixed(1)} ms, filter ${filterMs.toFixed(1)} ms, next page ${pageMs.toFixed(1)} ms, a click after 5 s of polling ${clickMs.toFixed(1)} ms; ${longTasks.length} tasks over 50 ms, longest ${longest.toFixed(0)} ms (${longestBefore.toFixed(0)} ms before the 5 s of polling)`);
  t.ok(loadMs < 20_000, `table shown within 20 s (${loadMs} ms)`);
  for (const [what, ms] of [['sort', sortMs], ['reverse sort', sortAgainMs], ['filter', filterMs], ['next page', pageMs], ['click', clickMs]] as const) {
    t.ok(ms < 1000, `${what} applied within 1 s (${ms.toFixed(1)} ms)`);
  }
  t.ok(longest < 2000, `no task blocks the page for 2 s (longest ${longest.toFixed(0)} ms)`);
});
