import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { TokenStore, TokensFileError, createToken, digestOf } from '../../src/runtime/tokens.js';

t.test('a digest is the token\'s SHA-256 in hex, tagged; a fresh token is 32 random bytes, URL-safe', async (t) => {
  t.equal(digestOf('abc'), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const token = createToken();
  t.match(token, /^[A-Za-z0-9_-]{43}$/);
  t.equal(Buffer.from(token, 'base64url').length, 32);
  t.not(createToken(), token);
});

t.test('a token is known by its digest: a server\'s names the server, an operator\'s only its kind', async (t) => {
  const store = TokenStore.parse(JSON.stringify({ servers: { cs1: digestOf('one'), ['__proto__']: digestOf('proto') }, operators: [digestOf('op'), digestOf('op2')] }));
  t.equal(store.size, 4);
  t.same(store.identify('one'), { kind: 'server', server: 'cs1' });
  t.same(store.identify('proto'), { kind: 'server', server: '__proto__' }, 'any server id, "__proto__" included');
  t.same(store.identify('op2'), { kind: 'operator' });
  t.equal(store.identify('ONE'), undefined);
  t.equal(store.identify(''), undefined);
  t.equal(store.identify(digestOf('one')), undefined, 'the digest itself is no token');
  t.equal(TokenStore.parse('{}').size, 0, 'a file may hold no token at all');
  const both = TokenStore.parse(JSON.stringify({ servers: { cs1: digestOf('x') }, operators: [digestOf('x')] }));
  t.same(both.identify('x'), { kind: 'server', server: 'cs1' }, 'a token listed twice is the first entry, servers before operators');
});

t.test('a bad tokens file is a TokensFileError that names the field', async (t) => {
  const bad: [string, RegExp][] = [
    ['[', /^not JSON: /],
    ['[]', /^field "\(body\)": expected object$/],
    [JSON.stringify({ operators: [digestOf('x').toUpperCase()] }), /^field "operators\/0": /],
    [JSON.stringify({ operators: [`${digestOf('x')}0`] }), /^field "operators\/0": /],
    [JSON.stringify({ servers: { cs1: 7 } }), /^field "servers\/cs1": /],
    [JSON.stringify({ operators: [], extra: 1 }), /^field "extra": /],
  ];
  for (const [text, message] of bad) t.throws(() => TokenStore.parse(text), { name: 'TokensFileError', message }, text.slice(0, 60));
});

t.test('load reads the file; a file it cannot read is a TokensFileError too', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'tokens.json');
  writeFileSync(path, JSON.stringify({ operators: [digestOf('op')] }));
  t.same(TokenStore.load(path).identify('op'), { kind: 'operator' });
  t.throws(() => TokenStore.load(join(dir, 'absent.json')), TokensFileError);
  t.throws(() => TokenStore.load(dir), TokensFileError, 'a directory');
});
