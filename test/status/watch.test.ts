import { createServer } from 'node:http';
import t from 'tap';
import { EXIT, runStatus } from '../../src/status/command.js';
import { PLAIN } from '../../src/status/render.js';

const ANSWERS: Record<string, unknown> = {
  '/health': { status: 'HEALTH_ERR', checks: [{ code: 'CHUNKS_MISSING', severity: 'HEALTH_ERR', summary: '1 chunk with no live replica', count: 1, detail: ['x'] }] },
  '/servers': { servers: [] },
  '/replication?limit=1': {
    safe_mode: false, safe_mode_remaining_ms: 0, brake_engaged: false, pending_copies: 0, pending_deletes: 0,
    totals: { missing: 1, critical: 0, normal: 0 }, totals_exact: true,
  },
};

t.test('on a terminal --watch clears the screen before each round and stops when signalled', async (t) => {
  const server = createServer((request, response) => {
    const body = ANSWERS[request.url ?? ''];
    response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const stop = new AbortController();
  const frames: string[] = [];
  const code = await runStatus({ url, tokenFile: undefined, watch: true, watchIntervalMs: 100 }, {
    out: (text) => {
      frames.push(text);
      if (frames.length === 3) stop.abort();
    },
    err: (text) => t.fail(text),
    paint: PLAIN,
    tty: true,
    signal: stop.signal,
  });
  t.equal(code, EXIT.HEALTH_ERR, 'the last round\'s health');
  t.equal(frames.length, 3, 'no more rounds once signalled');
  for (const frame of frames) t.match(frame, /^\x1b\[H\x1b\[2Jmaster: http:/, 'each round clears the screen first');
});
