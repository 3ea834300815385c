import t from 'tap';
import { Metrics } from '../../../src/transport/http/metrics.js';
import { makeDriver } from '../../fixtures/app.js';

/** A metric's value in Prometheus text, or undefined when the line is not there. */
function value(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

t.test('a heartbeat handled is timed and counted ok when it returns, rejected when it throws', async (t) => {
  const { driver } = makeDriver();
  t.teardown(() => driver.close());
  const metrics = new Metrics(driver);
  t.equal(metrics.heartbeat(() => 'reply'), 'reply', 'the handler\'s result comes back');
  const bug = new Error('refused');
  t.throws(() => metrics.heartbeat(() => {
    throw bug;
  }), bug, 'its error too');
  metrics.countHeartbeat(false);
  const text = await metrics.text();
  t.equal(value(text, 'chunkmaster_heartbeats_received_total{outcome="ok"}'), 1);
  t.equal(value(text, 'chunkmaster_heartbeats_received_total{outcome="rejected"}'), 2);
  t.equal(value(text, 'chunkmaster_heartbeat_handling_seconds_count'), 2, 'one refused before its handling is counted, not timed');
  t.match(metrics.contentType, /^text\/plain/);
});

t.test('core gauges and the log and stall counters are read at scrape time', async (t) => {
  const { driver, clock } = makeDriver({ heartbeatIntervalMs: 1000, deadAfterMissed: 1, replicationFactor: 2 });
  t.teardown(() => driver.close());
  let drops = 0;
  const metrics = new Metrics(driver, () => drops);
  driver.run((now) => driver.master.heartbeat(now, { server: 'cs1', chunks: ['a', 'b'] }));
  driver.run((now) => driver.master.heartbeat(now, { server: 'cs2', chunks: ['a'] }));
  let text = await metrics.text();
  t.equal(value(text, 'chunkmaster_servers{state="alive"}'), 2);
  t.equal(value(text, 'chunkmaster_live_replicas'), 3);
  t.equal(value(text, 'chunkmaster_log_lines_dropped_total'), 0);
  drops = 7;
  clock.advance(800);
  driver.run((now) => driver.master.heartbeat(now, { server: 'cs2' }));
  clock.advance(700);
  text = await metrics.text();
  t.equal(value(text, 'chunkmaster_log_lines_dropped_total'), 7, 'the count the log output keeps, as it is now');
  t.equal(value(text, 'chunkmaster_servers{state="dead"}'), 1, 'cs1 silent past its dead timeout');
  t.equal(value(text, 'chunkmaster_live_replicas'), 1);
  t.equal(value(text, 'chunkmaster_under_replicated_chunks{priority="critical"}'), 1, 'a is down to one replica');
  t.equal(value(text, 'chunkmaster_under_replicated_chunks{priority="missing"}'), 1, 'b has none left');
  t.equal(value(text, 'chunkmaster_stall_seconds_total'), driver.stallMs / 1000);
  t.type(value(text, 'process_cpu_user_seconds_total'), 'number', 'with the default process metrics');
});

t.test('each instance has a registry of its own', async (t) => {
  const { driver } = makeDriver();
  t.teardown(() => driver.close());
  const one = new Metrics(driver);
  const other = new Metrics(driver);
  one.countHeartbeat(true);
  t.equal(value(await other.text(), 'chunkmaster_heartbeats_received_total{outcome="ok"}'), undefined, 'no count shared');
  t.equal(value(await one.text(), 'chunkmaster_heartbeats_received_total{outcome="ok"}'), 1);
});
