import t from 'tap';
import { defaultCoreConfig } from '../../src/core/config.js';
import { warmUp } from '../../src/runtime/warm-up.js';

// What the warm-up is for (compiled code at the first real report) is measured by the restart bench;
// here, that it takes the throwaway master down every path a restart takes, whatever the daemon's settings.
for (const settings of [{}, { replicationFactor: 2, heartbeatIntervalMs: 250, deadAfterMissed: 2 }]) {
  t.test(`the warm-up reports, splits, kills, copies and revives (${JSON.stringify(settings)})`, async (t) => {
    const run = warmUp(defaultCoreConfig(settings));
    t.equal(run.deaths, 1, 'a server died');
    t.ok(run.copies > 0, 'copies were planned and handed out for its chunks');
    t.equal(run.replicas, 4 * 6000, 'every server came back with its whole list');
  });
}
