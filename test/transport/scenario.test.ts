import t from 'tap';
import type { FastifyInstance } from 'fastify';
import type { Body } from '../../src/protocol/dispatch.js';
import { ERRORS, type ErrorRow } from '../../src/protocol/errors.js';
import { createLogger } from '../../src/runtime/logger.js';
import { StdioNode } from '../../src/transport/stdio.js';
import { build, listen, makeDriver } from '../fixtures/app.js';
import { connect } from '../fixtures/ws.js';

/**
 * One sequence of messages, run over stdio, WebSocket and HTTP against a
 * core on a fake clock each: every transport must reach the same answers.
 */
const CORE = { heartbeatIntervalMs: 1000, deadAfterMissed: 3, safeModeMs: 0 };
const STEPS: { advance?: number; body: Body }[] = [
  { body: { type: 'heartbeat', server: 'cs1', chunks: ['ch_1', 'ch_2'], disk_usage_pct: 40 } },
  { body: { type: 'heartbeat', server: 'cs2', chunks: ['ch_1'], health: 'degraded' } },
  { advance: 2000, body: { type: 'heartbeat', server: 'cs3', chunks: ['ch_2', 'ch_3', 'ch_3'] } },
  { body: { type: 'server_status', verbose: true } },
  { body: { type: 'chunk_locations', chunk: 'ch_2' } },
  { body: { type: 'check_replication' } },
  { body: { type: 'drain_server', server: 'cs3' } },
  { advance: 1500, body: { type: 'heartbeat', server: 'cs1' } },
  { advance: 1000, body: { type: 'server_status', verbose: true } },
  { body: { type: 'chunk_locations', chunk: 'ch_1' } },
  { body: { type: 'check_replication' } },
  { body: { type: 'heartbeat', server: 'cs2', chunks: [] } },
  { body: { type: 'drain_server', server: 'ghost' } },
  { body: { type: 'heartbeat', server: 'cs1', disk_usage_pct: 150 } },
  { body: { type: 'chunk_locations', chunk: '__proto__' } },
  { advance: 10_000, body: { type: 'server_status', verbose: true } },
];

type Teardown = { teardown(fn: () => unknown): void };
type Outcome = { ok: Body } | { error: number };

/** A protocol reply as the transport-neutral outcome HTTP also gives. */
function fromProtocol(reply: Body): Outcome {
  const { type, in_reply_to: _r, msg_id: _m, ...fields } = reply;
  if (type === 'error') {
    const kind = Object.values<ErrorRow>(ERRORS).find((e) => e.code === fields['code']);
    return { error: kind?.http ?? 0 };
  }
  if (type === 'heartbeat_ok') return { ok: { chunks_to_delete: [], chunks_to_replicate: [], full_report: false, ...fields } };
  return { ok: fields };
}

async function overStdio(): Promise<Outcome[]> {
  const { driver, clock } = makeDriver(CORE);
  const lines: string[] = [];
  const node = new StdioNode(driver, { write: (line: string) => lines.push(line) }, createLogger('silent'));
  node.handleLine(JSON.stringify({ src: 'c0', dest: 'n1', body: { type: 'init', msg_id: 0, node_id: 'n1', node_ids: ['n1'] } }));
  const outcomes: Outcome[] = [];
  for (const [i, step] of STEPS.entries()) {
    clock.advance(step.advance ?? 0);
    node.handleLine(JSON.stringify({ src: 'client', dest: 'n1', body: { ...step.body, msg_id: i + 1 } }));
    outcomes.push(fromProtocol((JSON.parse(lines.at(-1) as string) as { body: Body }).body));
  }
  driver.close();
  return outcomes;
}

async function overWebSocket(t: Teardown): Promise<Outcome[]> {
  const { app, clock } = build(t, { core: CORE });
  const client = await connect((await listen(app)).ws);
  const outcomes: Outcome[] = [];
  for (const [i, step] of STEPS.entries()) {
    clock.advance(step.advance ?? 0);
    client.send({ ...step.body, msg_id: i + 1 });
    outcomes.push(fromProtocol(await client.next()));
  }
  await client.close();
  return outcomes;
}

async function overHttp(t: Teardown): Promise<Outcome[]> {
  const { app, clock } = build(t, { core: CORE });
  const outcomes: Outcome[] = [];
  for (const step of STEPS) {
    clock.advance(step.advance ?? 0);
    outcomes.push(await httpCall(app, step.body));
  }
  return outcomes;
}

async function httpCall(app: FastifyInstance, body: Body): Promise<Outcome> {
  const { type, ...fields } = body;
  const path = (id: unknown) => encodeURIComponent(id as string);
  const request =
    type === 'heartbeat' ? { method: 'POST' as const, url: '/heartbeat', payload: fields }
    : type === 'server_status' ? { method: 'GET' as const, url: '/servers' }
    : type === 'chunk_locations' ? { method: 'GET' as const, url: `/chunks/${path(fields['chunk'])}` }
    : type === 'check_replication' ? { method: 'GET' as const, url: '/replication' }
    : { method: 'POST' as const, url: `/servers/${path(fields['server'])}/drain` };
  const res = await app.inject(request);
  if (res.statusCode !== 200) return { error: res.statusCode };
  const json = res.json() as Body;
  return { ok: type === 'check_replication' ? { under_replicated: json['under_replicated'] } : json };
}

t.test('stdio, WebSocket and HTTP agree on the same sequence of messages', async (t) => {
  const stdio = await overStdio();
  const ws = await overWebSocket(t);
  const http = await overHttp(t);
  t.equal(http.length, STEPS.length);
  for (const [i, step] of STEPS.entries()) {
    t.same(ws[i], stdio[i], `step ${i} (${step.body['type']}) WebSocket = stdio`);
    t.same(http[i], stdio[i], `step ${i} (${step.body['type']}) HTTP = stdio`);
  }
  // The scenario does exercise death, draining, revival and errors.
  const statuses = (outcome: Outcome | undefined) =>
    ((outcome as { ok: { servers: { server: string; status: string }[] } }).ok.servers).map((s) => `${s.server}:${s.status}`);
  t.same(statuses(http[8]), ['cs1:alive', 'cs2:dead', 'cs3:draining']);
  t.same(http[12], { error: 404 });
  t.same(http[13], { error: 400 });
  t.same(statuses(http[15]), ['cs1:dead', 'cs2:dead', 'cs3:dead']);
});
