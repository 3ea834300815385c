import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
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

// Finding 6 of the fleet-scale review: a 300k-chunk report kept the loop busy for longer than
// the dead timeout, so its own sender, and servers whose heartbeats waited in the socket, died.
t.test("a huge report at a 100 ms interval: the master's own stall kills nobody", async (t) => {
  const driver = new CoreDriver(new Master(monotonicClock.now(), { heartbeatIntervalMs: INTERVAL_MS, deadAfterMissed: 3, safeModeMs: 0 }));
  const app = buildApp({ driver, limits: { rateLimitMax: 1e6 } });
  t.teardown(async () => {
    await app.close();
    driver.close();
  });
  const { http } = await listen(app);
  const deaths: string[] = [];
  driver.onEvent((event) => event.type === 'server_dead' && deaths.push(event.server));
  let running = true;
  const beats = async (server: string, first: object) => {
    t.equal(await heartbeat(http, { server, ...first }), 200, `${server}'s first heartbeat`);
    while (running) {
      await sleep(INTERVAL_MS);
      await heartbeat(http, { server });
    }
  };
  const steady = beats('steady', {});
  await sleep(3 * INTERVAL_MS);
  const big = beats('big', { chunks: handles(300_000, 'c') });
  await sleep(3000);
  running = false;
  await Promise.all([steady, big]);
  t.equal(driver.master.server(driver.now(), 'big')?.chunks, 300_000, 'the report was applied');
  t.ok(driver.stallMs > 0, `the master noticed its own stall (${Math.round(driver.stallMs)} ms)`);
  t.same(deaths, [], 'no server was declared dead');
  const metrics = await (await fetch(`${http}/metrics`)).text();
  const stalled = Number(/^chunkmaster_stall_seconds_total (\S+)$/m.exec(metrics)?.[1]);
  t.ok(stalled > 0, `and counts it in chunkmaster_stall_seconds_total (${stalled})`);
});
