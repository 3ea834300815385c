import t from 'tap';
import { decodeCursor, encodeCursor } from '../../src/protocol/cursor.js';
import { ID_MAX_LENGTH } from '../../src/protocol/schemas.js';

const raw = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

t.test('a cursor comes back as it went out, whatever the handle holds', async (t) => {
  for (const chunk of ['c1', 'a.b.c', '0.1', 'with space/and?query&=', 'é', '🦀🦀', '\n', 'x'.repeat(ID_MAX_LENGTH)]) {
    const text = encodeCursor({ group: 2, chunk });
    t.match(text, /^[A-Za-z0-9_-]+$/, `${JSON.stringify(chunk)} travels in a query string as is`);
    t.same(decodeCursor(text, 3), { group: 2, chunk });
  }
  t.same(decodeCursor(encodeCursor({ group: 0, chunk: 'k' }), 1), { group: 0, chunk: 'k' });
});

t.test('only a cursor this master could have given is accepted', async (t) => {
  const refused: [string, string][] = [
    [encodeCursor({ group: 3, chunk: 'k' }), 'a group past the last'],
    [raw('01.k'), 'a group with a leading zero'],
    [raw('-1.k'), 'a negative group'],
    [raw('1.'), 'an empty handle'],
    [raw('1k'), 'no dot'],
    [raw(`1.${'x'.repeat(ID_MAX_LENGTH + 1)}`), 'a handle past the id limit'],
    [raw(`1.${'🦀'.repeat(ID_MAX_LENGTH / 2 + 1)}`), 'the limit counts UTF-16 units, as the schemas do'],
    [Buffer.from([0x31, 0x2e, 0xff]).toString('base64url'), 'a handle that is not UTF-8'],
    [`${raw('1.k')}=`, 'padding'],
    ['not a cursor!', 'characters outside base64url'],
    ['', 'nothing'],
  ];
  for (const [text, what] of refused) t.equal(decodeCursor(text, 3), undefined, what);
  t.same(decodeCursor(raw(`1.${'🦀'.repeat(ID_MAX_LENGTH / 2)}`), 3), { group: 1, chunk: '🦀'.repeat(ID_MAX_LENGTH / 2) });
});
