import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { Master } from '../../../src/core/index.js';
import { monotonicClock } from '../../../src/runtime/clock.js';
import { CoreDriver } from '../../../src/runtime/driver.js';
import { buildApp } from '../../../src/transport/http/app.js';
import { listen } from '../../fixtures/app.js';
import { handles } from '../../fixtures/master.js';

const INTERVAL_MS = 100;

async function heartbeat(url: string, body: object): Promise<number> {
  const response = await fetch(`${url}/heartbeat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return response.status;
}

async function startDaemon(t: Test) {
  const driver = new CoreDriver(new Master(monotonicClock.now(), { heartbeatIntervalMs: INTERVAL_MS, deadAfterMissed: 3, safeModeMs: 0 }));
  const app = buildApp({ driver, limits: { rateLimitMax: 1e6 } });
  t.teardown(async () => {
    await app.close();
    driver.close();
  });
  const { http } = await listen(app);
  const deaths: string[] = [];
  driver.onEvent((event) => event.type === 'server_dead' && deaths.push(event.server));
  return { driver, http, deaths };
}

function heartbeatLoop(t: Test, http: string) {
  let running = true;
  const loops: Promise<void>[] = [];
  const start = (server: string, first: object) => {
    loops.push((async () => {
      t.equal(await heartbeat(http, { server, ...first }), 200, `${server}'s first heartbeat`);
      while (running) {
        await sleep(INTERVAL_MS);
        await heartbeat(http, { server });
      }
    })());
  };
  const stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  return { start, stop };
}

async function stallSeconds(http: string): Promise<number> {
  const metrics = await (await fetch(`${http}/metrics`)).text();
  return Number(/^chunkmaster_stall_seconds_total (\S+)$/m.exec(metrics)?.[1]);
}

// Finding 6 of the fleet-scale review: a 300k-chunk report kept the loop busy for longer than
// the dead timeout, so its own sender, and servers whose heartbeats waited in the socket, died.
// Long reports are now applied in steps, so the report itself no longer stalls the loop.
t.test('a huge report at a 100 ms interval is applied and kills nobody', async (t) => {
  const { driver, http, deaths } = await startDaemon(t);
  const servers = heartbeatLoop(t, http);
  servers.start('steady', {});
  await sleep(3 * INTERVAL_MS);
  servers.start('big', { chunks: handles(300_000, 'c') });
  await sleep(3000);
  await servers.stop();
  t.equal(driver.master.server(driver.now(), 'big')?.chunks, 300_000, 'the report was applied');
  t.same(deaths, [], 'no server was declared dead');
});

// A stall the master cannot split (a GC pause, a long synchronous step): the event loop is held
// for twice the dead timeout while every server keeps its schedule as far as the master can know.
t.test("the master's own stall past the dead timeout kills nobody and is counted", async (t) => {
  const { driver, http, deaths } = await startDaemon(t);
  const servers = heartbeatLoop(t, http);
  servers.start('a', { chunks: handles(10, 'a') });
  servers.start('b', { chunks: handles(10, 'b') });
  await sleep(5 * INTERVAL_MS);
  const blockedUntil = performance.now() + 6 * INTERVAL_MS;
  while (performance.now() < blockedUntil);
  await sleep(5 * INTERVAL_MS);
  await servers.stop();
  t.ok(driver.stallMs >= 3 * INTERVAL_MS, `the master noticed its own stall (${Math.round(driver.stallMs)} ms)`);
  t.same(deaths, [], 'no server was declared dead');
  const stalled = await stallSeconds(http);
  t.ok(stalled > 0, `and counts it in chunkmaster_stall_seconds_total (${stalled})`);
});
