import fc from 'fast-check';
import t from 'tap';
import { pyDumps, pyString } from '../../src/protocol/pyjson.js';

t.test('leaves out undefined members and writes undefined array items as null', async (t) => {
  t.equal(pyDumps({ a: undefined, b: 1, c: undefined }), '{"b": 1}');
  t.equal(pyDumps([undefined, 1]), '[null, 1]');
});

t.test('any string encodes to ASCII JSON that decodes back to it', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      const encoded = pyString(text);
      return /^[\x20-\x7e]*$/.test(encoded) && JSON.parse(encoded) === text;
    }),
  );
  t.pass();
});

t.test('plain ASCII strings encode as JSON.stringify does', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme-ascii' }), (text) => pyString(text) === JSON.stringify(text)));
  t.pass();
});

t.test('many distinct keys still encode right', async (t) => {
  const record = new Map<string, number>();
  for (let i = 0; i < 2000; i++) record.set(`k${i}`, i);
  const encoded = pyDumps(Object.fromEntries(record));
  t.same(JSON.parse(encoded), Object.fromEntries(record));
});
