import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { CLI } from '../fixtures/cli.js';

const LINES = 100_000;
const SENTINEL = 'not json: the last line';

t.test('stdio with a reader that stops reading stops reading stdin, then catches up', async (t) => {
  const child = spawn(process.execPath, [...process.execArgv, CLI, 'stdio', '--log-format', 'json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  for (let waited = 0; waited < 30_000 && !/stdio node started/.test(stderr); waited += 100) await sleep(100);

  const request = (i: number) => JSON.stringify({ src: 'op', dest: 'n1', body: { type: 'chunk_locations', msg_id: i, chunk: `ch_${i}` } });
  let inputBytes = 0;
  // In pieces, so that what the node has read leaves this side's buffer.
  for (let from = 0; from < LINES; from += 500) {
    const piece = Array.from({ length: 500 }, (_, i) => `${request(from + i)}\n`).join('');
    inputBytes += piece.length;
    child.stdin.write(piece);
  }
  child.stdin.write(`${SENTINEL}\n`);
  // Nobody reads stdout. The node may read what fills the pipes and its
  // buffers (a few hundred KB), then must wait: the last line, which it
  // would log as skipped, is never reached, and most input stays on this side.
  let unread = child.stdin.writableLength;
  for (let steady = 0; steady < 5000 && !stderr.includes(SENTINEL); ) {
    await sleep(250);
    steady = child.stdin.writableLength === unread && unread < inputBytes ? steady + 250 : 0;
    unread = child.stdin.writableLength;
  }
  t.notOk(stderr.includes(SENTINEL), 'the node did not read on to the last line');
  t.ok(unread > inputBytes / 2, `${unread} of ${inputBytes} bytes still unread by the node`);

  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stdin.end();
  const code = await new Promise((resolve) => child.once('close', resolve));
  t.equal(code, 0);
  const replies = stdout.split('\n').filter((line) => line !== '');
  t.equal(replies.length, LINES, 'every request answered once the reader came back');
  t.equal(JSON.parse(replies.at(-1) as string).body.in_reply_to, LINES - 1, 'the last one last');
  t.ok(stderr.includes(SENTINEL), 'and the last line was read');
});
