import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import { Ajv } from 'ajv';
import t from 'tap';
import { parse } from 'yaml';
import { REQUESTS } from '../../src/protocol/schemas.js';
import { OPENAPI_FILE, openapiYaml } from '../../src/tools/openapi.js';
import { SCHEMAS_DIR, schemaFiles } from '../../src/tools/schemas.js';

t.test('openapi.yaml matches the routes (run `npm run openapi` after changing them)', async (t) => {
  const checkedIn = readFileSync(OPENAPI_FILE, 'utf8');
  t.equal(checkedIn, await openapiYaml());
  const document = parse(checkedIn) as { paths: Record<string, Record<string, unknown>> };
  t.same(Object.keys(document.paths).sort(), [
    '/',
    '/chunks/{handle}',
    '/console/{file}',
    '/health',
    '/healthz',
    '/heartbeat',
    '/leader',
    '/metrics',
    '/readyz',
    '/replication',
    '/servers',
    '/servers/{id}',
    '/servers/{id}/drain',
    '/ws',
  ]);
});

t.test('openapi.yaml is valid OpenAPI 3', async (t) => {
  const result = await validate(parse(readFileSync(OPENAPI_FILE, 'utf8')));
  t.equal(result.valid, true, JSON.stringify(result));
});

t.test('schemas/ matches the TypeBox definitions (run `npm run schemas` after changing them)', async (t) => {
  const expected = schemaFiles();
  const present = readdirSync(SCHEMAS_DIR).filter((name) => name.endsWith('.json')).sort();
  t.same(present, [...expected.keys()].sort());
  for (const [name, text] of expected) t.equal(readFileSync(join(SCHEMAS_DIR, name), 'utf8'), text, name);
  for (const type of Object.keys(REQUESTS)) t.ok([...expected.values()].some((text) => text.includes(`"const": "${type}"`)), type);
});

t.test('the generated schemas accept and reject what the protocol does', async (t) => {
  const load = (name: string) => new Ajv({ strict: false }).compile(JSON.parse(readFileSync(join(SCHEMAS_DIR, name), 'utf8')));
  const heartbeatOk = load('heartbeat_ok.json');
  t.ok(heartbeatOk({ type: 'heartbeat_ok', in_reply_to: 1, status: 'alive', msg_id: 0 }));
  t.ok(heartbeatOk({ type: 'heartbeat_ok', in_reply_to: 1, status: 'draining', chunks_to_delete: ['a'] }));
  t.notOk(heartbeatOk({ type: 'heartbeat_ok', in_reply_to: 1, status: 'zombie' }));
  const heartbeat = load('Heartbeat.json');
  t.ok(heartbeat({ type: 'heartbeat', msg_id: 1, server: '__proto__', chunks: ['a'], health: 'read_only' }));
  t.notOk(heartbeat({ type: 'heartbeat', msg_id: 1, disk_usage_pct: 101 }));
  const dead = load('server_dead.json');
  t.ok(dead({ type: 'server_dead', server: 'cs1', at: 3000, lost_replicas: 2, msg_id: 4 }));
  t.notOk(dead({ type: 'server_dead', server: 'cs1' }));
});

t.test('the generated schemas carry the report fields of CONTRACT 9', async (t) => {
  const load = (name: string) => new Ajv({ strict: false }).compile(JSON.parse(readFileSync(join(SCHEMAS_DIR, name), 'utf8')));
  const heartbeat = load('Heartbeat.json');
  t.ok(heartbeat({ type: 'heartbeat', msg_id: 1, chunks_added: ['a'], chunks_removed: ['b'] }));
  t.ok(heartbeat({ type: 'heartbeat', msg_id: 1, chunks: ['a'], report: { id: 'r', part: 9999, parts: 10000 } }));
  t.notOk(heartbeat({ type: 'heartbeat', msg_id: 1, chunks: ['a'], report: { id: 'r', part: 0, parts: 10001 } }));
  t.notOk(heartbeat({ type: 'heartbeat', msg_id: 1, chunks: ['a'], report: { id: 'r'.repeat(65), part: 0, parts: 1 } }));
  t.notOk(heartbeat({ type: 'heartbeat', msg_id: 1, chunks_added: [''] }));
  const heartbeatOk = load('heartbeat_ok.json');
  t.ok(heartbeatOk({ type: 'heartbeat_ok', in_reply_to: 1, status: 'alive', full_report: true }));
  t.notOk(heartbeatOk({ type: 'heartbeat_ok', in_reply_to: 1, status: 'alive', full_report: 'yes' }));
});
