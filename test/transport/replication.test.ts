import t from 'tap';
import { startStdioCli } from '../fixtures/cli.js';

type Reply = Record<string, unknown>;
const bodyOf = (reply: Reply) => reply['body'] as Reply;

/**
 * A real stdio node with 100 ms heartbeats (dead after 300 ms): cs3 goes
 * silent, its chunk is copied to cs4; cs3 returns and its now-excess copy
 * is deleted. Real time, so every wait has a generous margin.
 */
for (const safeMode of ['0', '300']) {
  t.test(`re-replication after a death, deletes after the return (safe mode ${safeMode} ms)`, async (t) => {
    const cli = startStdioCli(['stdio', '--heartbeat-interval-ms', '100', '--safe-mode-ms', safeMode]);
    let msgId = 1;
    cli.send('c0', { type: 'init', msg_id: msgId++, node_id: 'n1', node_ids: ['n1'] });
    const disks = new Map([
      ['cs1', 20],
      ['cs2', 20],
      ['cs3', 80],
      ['cs4', 10],
    ]);
    const chunks = new Map([
      ['cs1', ['ch_1']],
      ['cs2', ['ch_1']],
      ['cs3', ['ch_1']],
      ['cs4', [] as string[]],
    ]);
    const active = new Set(['cs1', 'cs2', 'cs3', 'cs4']);
    const beat = () => {
      for (const server of active) {
        cli.send(server, { type: 'heartbeat', msg_id: msgId++, chunks: chunks.get(server), disk_usage_pct: disks.get(server) });
      }
    };
    beat();
    const timer = setInterval(beat, 50);
    try {
      await cli.waitFor((r) => bodyOf(r)['type'] === 'heartbeat_ok');
      active.delete('cs3');
      const copy = await cli.waitFor((r) => bodyOf(r)['chunks_to_replicate'] !== undefined);
      t.same(bodyOf(copy)['chunks_to_replicate'], [{ chunk: 'ch_1', target: 'cs4' }]);
      t.ok(['cs1', 'cs2'].includes(copy['dest'] as string), 'a live holder is told to copy');
      chunks.set('cs4', ['ch_1']);
      const seen = cli.replies.length;
      active.add('cs3');
      const del = await cli.waitFor((r) => cli.replies.indexOf(r) >= seen && bodyOf(r)['chunks_to_delete'] !== undefined);
      t.equal(del['dest'], 'cs3', 'the fullest disk deletes the excess');
      t.same(bodyOf(del)['chunks_to_delete'], ['ch_1']);
      chunks.set('cs3', []);
    } finally {
      clearInterval(timer);
    }
    const { code, stderr } = await cli.end();
    t.equal(code, 0);
    t.match(stderr, /server dead/);
    if (safeMode !== '0') t.match(stderr, /safe mode exited/);
  });
}
