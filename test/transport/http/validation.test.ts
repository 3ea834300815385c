import t from 'tap';
import { Master } from '../../../src/core/index.js';
import { answer } from '../../../src/protocol/dispatch.js';
import { build } from '../../fixtures/app.js';

// One emoji is two UTF-16 code units but one code point: 128 of them are 256
// units (the limit), 129 are 258 units yet only 129 code points.
const cases: [string, string][] = [
  ['256 ASCII characters', 'x'.repeat(256)],
  ['257 ASCII characters', 'x'.repeat(257)],
  ['128 emoji (256 units)', '\u{1F600}'.repeat(128)],
  ['129 emoji (258 units, 129 code points)', '\u{1F600}'.repeat(129)],
  ['255 ASCII + 1 emoji (257 units)', `${'x'.repeat(255)}\u{1F600}`],
];

/** Whether the stdio/WebSocket dispatcher accepts a heartbeat with these fields. */
function acceptedByProtocol(fields: Record<string, unknown>): boolean {
  const reply = answer(new Master(0), 0, { type: 'heartbeat', msg_id: 1, ...fields });
  return reply?.['type'] === 'heartbeat_ok';
}

t.test('HTTP and the JSON protocol give ids and handles the same verdict', async (t) => {
  const { app } = build(t);
  const verdicts = new Map<string, boolean>();
  for (const [name, value] of cases) {
    for (const [field, fields] of [
      ['server', { server: value }],
      ['chunk', { server: 'cs1', chunks: ['ok', value] }],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/heartbeat', payload: fields });
      const overHttp = res.statusCode === 200;
      t.equal(overHttp, acceptedByProtocol(fields), `${field}: ${name}`);
      if (!overHttp) {
        t.equal(res.statusCode, 400);
        t.match(res.json().message, field === 'server' ? /^body\/server / : /^body\/chunks\/1 /, 'the message names the field');
      }
      verdicts.set(`${field}: ${name}`, overHttp);
    }
  }
  // The verdicts themselves: the limit is 256 UTF-16 code units everywhere.
  t.same([...verdicts.values()], [true, true, false, false, true, true, false, false, false, false]);
});

t.test('a percent-encoded path id over the limit gets the same verdict', async (t) => {
  const { app } = build(t);
  const res = await app.inject({ url: `/servers/${encodeURIComponent('\u{1F600}'.repeat(129))}` });
  t.equal(res.statusCode, 400);
  t.match(res.json().message, /^params\/id /);
  const fits = await app.inject({ url: `/servers/${encodeURIComponent('\u{1F600}'.repeat(128))}` });
  t.equal(fits.statusCode, 404, 'a valid id that no server has');
});

t.test('a report full of bad handles is rejected with only the first one named', async (t) => {
  const { app } = build(t);
  const res = await app.inject({ method: 'POST', url: '/heartbeat', payload: { server: 'cs1', chunks: ['ok', ...Array.from({ length: 1000 }, () => 7)] } });
  t.equal(res.statusCode, 400);
  t.equal(res.json().message, 'body/chunks/1 expected string');
});
