import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import t from 'tap';
import { pyDumps, pyString } from '../../src/protocol/pyjson.js';

t.test('matches the contract examples', async (t) => {
  t.equal(
    pyDumps({ src: 'n1', dest: 'c0', body: { type: 'init_ok', in_reply_to: 1, msg_id: 0 } }),
    '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}',
  );
  t.equal(pyDumps([1, 'a', null, true, false, [], {}]), '[1, "a", null, true, false, [], {}]');
  t.equal(pyDumps({ a: undefined, b: 1 }), '{"b": 1}', 'undefined members are left out');
  t.equal(pyDumps([undefined]), '[null]');
});

t.test('escapes like ensure_ascii', async (t) => {
  t.equal(pyString('é'), '"\\u00e9"');
  t.equal(pyString('🚀'), '"\\ud83d\\ude80"', 'astral characters become surrogate pairs');
  t.equal(pyString('\u007f'), '"\\u007f"', 'DEL is escaped');
  t.equal(pyString('a/b'), '"a/b"', 'slash is not escaped');
  t.equal(pyString('"\\\n\t\u0001'), '"\\"\\\\\\n\\t\\u0001"');
  t.equal(pyString('\ud800'), '"\\ud800"', 'a lone surrogate is escaped');
});

t.test('numbers print as Python prints them', async (t) => {
  t.equal(pyDumps(45), '45');
  t.equal(pyDumps(45.5), '45.5');
  t.equal(pyDumps(1e-7), '1e-07');
  t.equal(pyDumps(1e21), '1e+21');
  t.equal(pyDumps(Number.NaN), 'NaN');
  t.equal(pyDumps(Infinity), 'Infinity');
  t.equal(pyDumps(-Infinity), '-Infinity');
});

t.test('refuses what JSON cannot carry', async (t) => {
  t.throws(() => pyDumps(() => 1), TypeError);
  t.throws(() => pyDumps(1n), TypeError);
});

const python = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' });
t.test('agrees with python3 json.dumps on random values', { skip: python.status !== 0 && 'python3 is not installed' }, async (t) => {
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('node'), { maxKeys: 4 }),
    ),
  })).node;
  const samples = fc.sample(value, { numRuns: 400, seed: 42 });
  // Python reads each sample through JSON.stringify, which keeps every code unit.
  const script = 'import sys, json\nfor line in sys.stdin:\n    print(json.dumps(json.loads(line)))\n';
  const result = spawnSync('python3', ['-c', script], {
    input: samples.map((s) => JSON.stringify(s)).join('\n') + '\n',
    encoding: 'utf8',
  });
  t.equal(result.status, 0, result.stderr);
  const expected = result.stdout.split('\n').slice(0, -1);
  t.equal(expected.length, samples.length);
  const mismatches = samples.filter((s, i) => pyDumps(s) !== expected[i]);
  t.same(mismatches, [], 'every sample encodes byte for byte as Python does');
});
