import fc from 'fast-check';
import t from 'tap';
import { pyDumps, pyString } from '../../src/protocol/pyjson.js';

t.test('matches what Python json.dumps prints', async (t) => {
  // Expected strings are Python 3 json.dumps outputs for the same values.
  t.equal(pyDumps({ a: 1, b: [true, false, null], c: 'x' }), '{"a": 1, "b": [true, false, null], "c": "x"}');
  t.equal(pyDumps('é/"\\\n\u007f'), '"\\u00e9/\\"\\\\\\n\\u007f"');
  t.equal(pyDumps('🧩'), '"\\ud83e\\udde9"');
  t.equal(pyDumps('\ud800'), '"\\ud800"', 'a lone surrogate');
  t.equal(pyDumps(1e-7), '1e-07');
  t.equal(pyDumps(1.5e300), '1.5e+300');
  t.equal(pyDumps(2.5), '2.5');
  t.equal(pyDumps(-3), '-3');
  t.equal(pyDumps(1e21), '1e+21');
  t.equal(pyDumps(NaN), 'NaN');
  t.equal(pyDumps(-Infinity), '-Infinity');
  t.equal(pyDumps(Infinity), 'Infinity');
  t.equal(pyDumps([]), '[]');
  t.equal(pyDumps({}), '{}');
  t.equal(pyDumps({ '__proto__é': 1 }), '{"__proto__\\u00e9": 1}');
});

t.test('leaves out undefined members and writes undefined array items as null', async (t) => {
  t.equal(pyDumps({ a: undefined, b: 1, c: undefined }), '{"b": 1}');
  t.equal(pyDumps([undefined, 1]), '[null, 1]');
});

t.test('refuses values JSON cannot hold', async (t) => {
  t.throws(() => pyDumps(() => 1), TypeError);
  t.throws(() => pyDumps({ f: Symbol('s') }), TypeError);
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
