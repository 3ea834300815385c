import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { LogDestination } from '../../src/runtime/log-destination.js';
import { until } from '../fixtures/wait.js';

const LINE = `${JSON.stringify({ level: 30, msg: 'x'.repeat(180) })}\n`;

/**
 * A pipe nobody reads, already full: a FIFO opened for reading and writing
 * (so opening never waits for a reader), filled up to EAGAIN with bytes that
 * hold no line break.
 */
function stuckPipe(t: { teardown(fn: () => void): void }): { fd: number; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'cm-log-')), 'sink');
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  t.teardown(() => closeSync(fd));
  const filler = Buffer.alloc(4096, 'z');
  for (;;) {
    try {
      writeSync(fd, filler);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw error;
    }
  }
  return { fd, path };
}

/** Reads what the pipe holds now, without waiting. */
function readAvailable(fd: number): string {
  const buffer = Buffer.alloc(65536);
  let text = '';
  for (;;) {
    try {
      const n = readSync(fd, buffer);
      if (n === 0) return text;
      text += buffer.toString('utf8', 0, n);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return text;
      throw error;
    }
  }
}

t.test('a stuck pipe: lines past the buffer are dropped and counted, the event loop keeps turning', async (t) => {
  const { fd, path } = stuckPipe(t);
  const destination = new LogDestination({ fd, maxBytes: 64 * 1024, base: { name: 'chunkmaster' } });
  for (let i = 0; i < 20_000; i++) destination.write(LINE);
  t.equal(destination.accepted + destination.dropped, 20_000, 'every line is either taken or counted');
  t.equal(destination.accepted, Math.floor((64 * 1024) / LINE.length), 'the buffer holds what fits in maxBytes');
  // Timers still fire while the sink refuses every write.
  let turns = 0;
  const probe = setInterval(() => turns++, 5);
  await until(() => turns >= 10, 'the event loop');
  clearInterval(probe);
  t.equal(destination.accepted + destination.dropped, 20_000, 'no drop notice while the sink takes nothing');

  // The sink comes back: everything buffered is written, then one line says what was lost.
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(reader));
  let received = '';
  await until(() => {
    received += readAvailable(reader);
    return received.includes('log lines dropped');
  }, 'the drop notice');
  const notice = JSON.parse(received.trimEnd().split('\n').at(-1) as string) as Record<string, unknown>;
  t.match(notice, { level: 40, name: 'chunkmaster', dropped: destination.dropped, msg: `${destination.dropped} log lines dropped` });
  t.equal(received.split('\n').length - 1, destination.accepted, 'every line taken reaches the sink, the notice included');
  t.equal(await destination.close(1000), true, 'a drained buffer closes at once');
});

t.test('close() gives up on a stuck sink after its timeout, and stops retrying it', async (t) => {
  const { fd } = stuckPipe(t);
  const destination = new LogDestination({ fd, maxBytes: 1024 * 1024 });
  // More than the pipe holds: the rest waits on sonic-boom's EAGAIN retries.
  destination.write(`${'y'.repeat(200_000)}\n`);
  t.equal(destination.dropped, 0);
  t.equal(await destination.close(50), false);
  // Once the retry sees EAGAIN again the sink is given up: a line that fits is still dropped.
  await until(() => {
    destination.write(LINE);
    return destination.dropped > 0;
  }, 'the sink to be given up');
  t.equal(await destination.close(50), false, 'a failed sink with bytes left never drains');
});

t.test('a reader that goes away (EPIPE): later lines are dropped, nothing throws', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'cm-log-')), 'sink');
  execFileSync('mkfifo', [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(fd));
  closeSync(reader);
  const destination = new LogDestination({ fd });
  destination.write(LINE);
  await until(() => {
    destination.write(LINE);
    return destination.dropped > 0;
  }, 'EPIPE');
  t.ok(destination.accepted >= 1);
});
