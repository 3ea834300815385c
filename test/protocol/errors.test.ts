import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ChunkmasterError, ERRORS, type ErrorKind, errorJson, isProtocolError } from '../../src/protocol/errors.js';

const SRC = new URL('../../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

t.test('every row of the table is thrown somewhere in src/', async (t) => {
  const text = sources(SRC).join('\n');
  for (const kind of Object.keys(ERRORS)) {
    t.ok(text.includes(`new ChunkmasterError('${kind}'`), kind);
  }
});

t.test('a protocol code always means the same HTTP status', async (t) => {
  const statusOf = new Map<number, number>();
  for (const [kind, row] of Object.entries(ERRORS)) {
    if (row.code === null) continue;
    const status = statusOf.get(row.code) ?? row.http;
    statusOf.set(row.code, status);
    t.equal(row.http, status, kind);
  }
});

t.test('templates are filled in order: %s as text, %j as JSON', async (t) => {
  t.equal(new ChunkmasterError('UNKNOWN_SERVER', 'cs"1').message, 'unknown server "cs\\"1"');
  t.equal(new ChunkmasterError('HEARTBEAT_RATE_LIMITED', 'cs1', 3).message, 'rate limit exceeded for heartbeats of server "cs1" (liveness counted); retry in 3 s');
  t.equal(new ChunkmasterError('MALFORMED_FIELD', 'chunks/2', 'expected string').about('heartbeat').message, 'heartbeat: field "chunks/2": expected string');
  const kind: ErrorKind = 'CRASH';
  t.equal(new ChunkmasterError(kind).row.code, 13);
});

t.test('protocol errors are the rows with a protocol code', async (t) => {
  t.ok(isProtocolError(new ChunkmasterError('UNKNOWN_SERVER', 'x')));
  t.notOk(isProtocolError(new ChunkmasterError('TOKEN_REQUIRED')), 'HTTP only');
  t.notOk(isProtocolError(new Error('unknown server')));
});

t.test('errorJson is Fastify\'s error shape', async (t) => {
  t.equal(errorJson(new ChunkmasterError('TOO_MANY_CONNECTIONS', 2)), '{"statusCode":503,"error":"Service Unavailable","message":"too many open connections (max 2); retry later"}');
});
