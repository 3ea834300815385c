import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import t, { type Test } from 'tap';
import type { CoreEvent } from '../../src/core/index.js';
import { ERRORS, MAELSTROM_CODES, OWN_CODES } from '../../src/protocol/errors.js';
import { eventBody } from '../../src/protocol/events.js';
import { Envelope, EVENTS, EventsDropped, REPLIES, REQUESTS, Subscribe, SubscribeOk } from '../../src/protocol/schemas.js';
import { SETTINGS } from '../../src/runtime/config.js';
import { SIMULATE_USAGE } from '../../src/sim/command.js';
import { build } from '../fixtures/app.js';
import { FakeGroup } from '../fixtures/group.js';
import { ROOT } from '../fixtures/imports.js';

/*
 * docs/CONTRACT.md against the code, both ways. Each source is read by one
 * function just below: when the code changes shape, adapt that function only.
 */

/** Every message and event body, and every object nested in one, by name: its fields in wire order. */
function messagesFromSchemas(): Map<string, string[]> {
  const bodies: TSchema[] = [Envelope, ...Object.values(REQUESTS), Subscribe, ...REPLIES, SubscribeOk, ...EVENTS, EventsDropped];
  const found = new Map<string, string[]>();
  for (const schema of bodies) addObject(found, (schema.properties.type?.const as string | undefined) ?? (schema.$id as string), schema);
  return found;
}

/**
 * Events as the subscribe stream encodes them, one of each core event type,
 * fields sorted (their wire order is the core's). The compiler demands one
 * literal per type and holds each to its union member.
 */
function encodedEvents(): Map<string, string[]> {
  const events: { [K in CoreEvent['type']]: Extract<CoreEvent, { type: K }> } = {
    server_alive: { type: 'server_alive', server: 's', at: 0, revived: false },
    server_dead: { type: 'server_dead', server: 's', at: 0, lostReplicas: 0 },
    safe_mode_exited: { type: 'safe_mode_exited', at: 0 },
    brake_engaged: { type: 'brake_engaged', at: 0, dead: 0, known: 0 },
    brake_released: { type: 'brake_released', at: 0, dead: 0, known: 0 },
    chunks_missing: { type: 'chunks_missing', at: 0, count: 1, examples: [] },
    server_reaped: { type: 'server_reaped', server: 's', at: 0, replicas: 0, chunksMissing: 0, examples: [] },
    server_out: { type: 'server_out', server: 's', at: 0 },
    server_forgotten: { type: 'server_forgotten', server: 's', at: 0, chunksFreed: 0 },
    leader_elected: { type: 'leader_elected', at: 0, epoch: 1, leader: null, self: false },
    leadership_lost: { type: 'leadership_lost', at: 0, epoch: 1 },
  };
  return new Map(Object.values(events).map((event) => [event.type, Object.keys(eventBody(event)).sort()]));
}

interface ErrorRow {
  kind: string;
  /** The protocol code, or '-' for a condition only HTTP meets. */
  code: string;
  http: number;
  message: string;
}

function errorsFromTable(): ErrorRow[] {
  return Object.entries(ERRORS).map(([kind, { code, http, message }]) => ({ kind, code: code === null ? '-' : String(code), http, message }));
}

/** Maelstrom's codes by their names (`KEY_DOES_NOT_EXIST` is key-does-not-exist). */
function codesFromTable(): Map<number, string> {
  const codes = { ...MAELSTROM_CODES, ...OWN_CODES };
  return new Map(Object.entries(codes).map(([key, code]) => [code, key.toLowerCase().replaceAll('_', '-')]));
}

interface Route {
  /** `GET /servers/{id}` */
  route: string;
  query: string[];
  body: string[];
  /** Top-level fields of the 200 response, when it is a JSON object. */
  response: string[];
  /** Error statuses: every documented response but 1xx and 2xx. */
  errors: number[];
}

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema: TSchema }> };
  responses: Record<string, { content?: Record<string, { schema: TSchema }> }>;
}

/** The routes of the OpenAPI document the app generates. */
async function routesFromOpenApi(t: Test): Promise<Route[]> {
  // With a group, as openapi.yaml is made: GET /leader is a route too.
  const { app } = build(t, { group: new FakeGroup() });
  await app.ready();
  const document = app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> };
  const fieldsOf = (content: Record<string, { schema: TSchema }> | undefined) =>
    Object.keys(Object.values(content ?? {})[0]?.schema.properties ?? {});
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      route: `${method.toUpperCase()} ${path}`,
      query: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      body: fieldsOf(operation.requestBody?.content),
      response: fieldsOf(operation.responses['200']?.content),
      errors: Object.keys(operation.responses).map(Number).filter((status) => status >= 300),
    })),
  );
}

interface Flag {
  flag: string;
  env: string;
  /** The default the help text gives in trailing parentheses, when it gives one (a note with code in it is not one). */
  fallback: string | undefined;
}

function flagsFromSettings(): Flag[] {
  return SETTINGS.map((setting) => ({
    flag: `--${setting.flag}`,
    env: setting.env,
    fallback: /\(([^()`]*)\)$/.exec(setting.help)?.[1],
  }));
}

function simulateFlagsFromUsage(): string[] {
  return [...new Set([...SIMULATE_USAGE.matchAll(/\[(--[a-z-]+)/g)].map((match) => match[1] as string))];
}

/** An object schema's fields under `name`, and its nested objects' as `name.field` (`name.field[]` for arrays of them). */
function addObject(found: Map<string, string[]>, name: string, schema: TSchema): void {
  const properties = (schema.properties ?? {}) as Record<string, TSchema>;
  if (Object.keys(properties).length === 0) return;
  found.set(name, Object.keys(properties));
  for (const [field, value] of Object.entries(properties)) {
    if (value.type === 'object') addObject(found, `${name}.${field}`, value);
    if (value.type === 'array' && value.items?.type === 'object') addObject(found, `${name}.${field}[]`, value.items as TSchema);
  }
}

/* The doc: markdown tables, each under its nearest heading. */

const CONTRACT_FILE = join(ROOT, 'docs/CONTRACT.md');

interface Table {
  heading: string;
  header: string[];
  rows: string[][];
}

function tables(markdown: string): Table[] {
  const found: Table[] = [];
  let heading = '';
  let current: Table | undefined;
  for (const line of markdown.split('\n')) {
    if (/^#+ /.test(line)) heading = line.replace(/^#+ /, '');
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split('|').map((cell) => cell.trim());
    if (current === undefined) found.push((current = { heading, header: cells, rows: [] }));
    else if (!cells.every((cell) => /^:?-+:?$/.test(cell))) current.rows.push(cells);
  }
  return found;
}

/** The words in backticks in a cell or heading. */
function ticked(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
}

const name = (text: string) => ticked(text)[0] ?? '';
const numbers = (cell: string) => [...cell.matchAll(/\b\d{3}\b/g)].map((match) => Number(match[0]));
const isRoute = (text: string) => /^(GET|POST|PUT|PATCH|DELETE) \//.test(text);

const doc = tables(readFileSync(CONTRACT_FILE, 'utf8'));
const tablesStartingWith = (column: string) => doc.filter((table) => table.header[0] === column);
const fieldTables = tablesStartingWith('field');
const messageTables = new Map(fieldTables.filter((table) => !isRoute(name(table.heading))).map((table) => [name(table.heading), table]));
const routeFieldTables = new Map(fieldTables.filter((table) => isRoute(name(table.heading))).map((table) => [name(table.heading), table]));

/** Names on one side only, as a message that says where. */
function sameNames(t: Test, inDoc: Iterable<string>, inCode: Iterable<string>, what: string): void {
  const documented = new Set(inDoc);
  const coded = new Set(inCode);
  t.same([...coded].filter((item) => !documented.has(item)).sort(), [], `every ${what} in the code is in docs/CONTRACT.md`);
  t.same([...documented].filter((item) => !coded.has(item)).sort(), [], `every ${what} in docs/CONTRACT.md is in the code`);
}

t.test('the doc has the tables this test reads', async (t) => {
  t.ok(messageTables.size > 20, 'message and event field tables');
  for (const column of ['code', 'error', 'status', 'route', 'flag', 'simulate flag']) t.equal(tablesStartingWith(column).length, 1, `one table whose first column is "${column}"`);
  for (const table of doc) {
    if (!['field', 'code', 'error', 'status', 'route', 'flag', 'simulate flag'].includes(table.header[0] as string)) continue;
    for (const row of table.rows) t.ok(ticked(row[0] as string).length === 1, `${table.heading}: the first cell names one thing in backticks: ${row[0]}`);
  }
});

t.test('every message, event and nested object, with its fields in wire order', async (t) => {
  const code = messagesFromSchemas();
  sameNames(t, messageTables.keys(), code.keys(), 'message, event or nested object');
  for (const [message, fields] of code) {
    const table = messageTables.get(message);
    if (table) t.same(table.rows.map((row) => name(row[0] as string)), fields, `${message}: its fields, in wire order`);
  }
});

t.test('the event schemas (and so the doc) hold the fields the subscribe stream encodes', async (t) => {
  const encoded = encodedEvents();
  const schemas = new Map(EVENTS.map((schema) => [schema.properties.type.const as string, Object.keys(schema.properties).filter((key) => key !== 'msg_id').sort()]));
  t.same([...encoded.keys()].sort(), [...schemas.keys()].sort(), 'a schema for every core event type, and no other');
  for (const [type, fields] of encoded) t.same(fields, schemas.get(type), `${type}: encoded fields`);
});

t.test('every protocol error code, with its name', async (t) => {
  const rows = new Map((tablesStartingWith('code')[0]?.rows ?? []).map((row) => [Number(name(row[0] as string)), row[1]]));
  const codes = codesFromTable();
  sameNames(t, [...rows.keys()].map(String), [...codes.keys()].map(String), 'error code');
  for (const [code, codeName] of codes) if (rows.has(code)) t.equal(rows.get(code), codeName, `error ${code}: its name`);
});

t.test('every row of the error table, with its code, HTTP status and message', async (t) => {
  const rows = new Map((tablesStartingWith('error')[0]?.rows ?? []).map((row) => [name(row[0] as string), row]));
  const errors = errorsFromTable();
  sameNames(t, rows.keys(), errors.map((error) => error.kind), 'error');
  for (const error of errors) {
    const row = rows.get(error.kind);
    if (row !== undefined) t.same({ code: row[1], http: Number(row[2]), message: name(row[3] as string) }, { code: error.code, http: error.http, message: error.message }, `${error.kind}: code, HTTP status and message`);
  }
});

t.test('every HTTP route, with its query, body, response fields and error statuses', async (t) => {
  const routes = await routesFromOpenApi(t);
  const rows = new Map((tablesStartingWith('route')[0]?.rows ?? []).map((row) => [name(row[0] as string), row]));
  sameNames(t, rows.keys(), routes.map((route) => route.route), 'route');
  for (const route of routes) {
    const row = rows.get(route.route);
    if (row === undefined) continue;
    const [, , query = '', body = '', response = '', errors = ''] = row;
    t.same(ticked(query), route.query, `${route.route}: query parameters`);
    t.same(ticked(body), route.body, `${route.route}: body fields`);
    const table = routeFieldTables.get(route.route);
    const documented = ticked(response).length > 0 ? ticked(response) : (table?.rows.map((cells) => name(cells[0] as string)) ?? []);
    t.same(documented, route.response, `${route.route}: response fields, in order`);
    t.same(numbers(errors), route.errors, `${route.route}: error statuses`);
  }
  for (const route of routeFieldTables.keys()) t.ok(rows.has(route), `the field table of ${route} is a route of the routes table`);
});

t.test('every HTTP error status', async (t) => {
  const documented = (tablesStartingWith('status')[0]?.rows ?? []).map((row) => Number(name(row[0] as string)));
  const routes = await routesFromOpenApi(t);
  const listed = new Set(routes.flatMap((route) => route.errors));
  for (const status of listed) t.ok(documented.includes(status), `${status}, which a route answers, is documented`);
  const possible = new Set([...listed, ...errorsFromTable().map((row) => row.http)]);
  for (const status of documented) t.ok(possible.has(status), `${status}, documented, is answered somewhere`);
});

t.test('every flag, with its environment variable and default', async (t) => {
  const rows = new Map((tablesStartingWith('flag')[0]?.rows ?? []).map((row) => [name(row[0] as string), row]));
  const flags = flagsFromSettings();
  sameNames(t, rows.keys(), flags.map((flag) => flag.flag), 'flag');
  for (const flag of flags) {
    const row = rows.get(flag.flag);
    if (row === undefined) continue;
    t.equal(name(row[1] as string), flag.env, `${flag.flag}: environment variable`);
    if (flag.fallback !== undefined) t.equal(row[2], flag.fallback, `${flag.flag}: default, as --help gives it`);
  }
  const simulate = (tablesStartingWith('simulate flag')[0]?.rows ?? []).map((row) => name(row[0] as string));
  sameNames(t, simulate, simulateFlagsFromUsage(), 'simulate flag');
});

t.test('every file or folder the doc names exists', async (t) => {
  const paths = ticked(readFileSync(CONTRACT_FILE, 'utf8')).filter((word) => /^[\w.-]+(\/[\w.-]+)*\/?$/.test(word) && /\/|\.(md|ts|json|yaml)$/.test(word));
  t.ok(paths.length > 3, 'the doc names files');
  for (const path of new Set(paths)) t.ok(existsSync(join(ROOT, path)), path);
});

t.test('the table reader', async (t) => {
  const read = tables('# a `x`\n| field | b |\n|---|---|\n| `one` | 1 |\n| `two` | 2 |\ntext\n| code |\n|---|\n| `10` |\n');
  t.same(read, [
    { heading: 'a `x`', header: ['field', 'b'], rows: [['`one`', '1'], ['`two`', '2']] },
    { heading: 'a `x`', header: ['code'], rows: [['`10`']] },
  ]);
});
