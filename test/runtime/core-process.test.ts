import t from 'tap';
import { defaultCoreConfig } from '../../src/core/config.js';
import { startCore } from '../../src/runtime/core-process.js';
import type { EventLogger } from '../../src/runtime/event-log.js';

/** A logger that keeps the message of every line. */
function recorder(): { messages: string[]; log: EventLogger } {
  const messages: string[] = [];
  const line = (_fields: unknown, msg: string) => void messages.push(msg);
  return { messages, log: { info: line, warn: line } as unknown as EventLogger };
}

t.test('a core runs the master it is configured with, and logs its state transitions until closed', async (t) => {
  const config = defaultCoreConfig({ replicationFactor: 2, safeModeMs: 0 });
  const { messages, log } = recorder();
  const core = startCore(config, log);
  t.teardown(() => core.close());
  t.same(core.driver.master.config, config);
  const reply = core.driver.run((now) => core.driver.master.heartbeat(now, { server: 'cs1', chunks: ['a'] }));
  t.equal(reply.status, 'alive');
  t.same(messages, ['server registered'], 'the new server is logged at once');
  core.close();
  core.driver.run((now) => core.driver.master.heartbeat(now, { server: 'cs2' }));
  t.same(messages, ['server registered'], 'nothing is logged once closed');
});
