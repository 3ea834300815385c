import fc from 'fast-check';
import t from 'tap';
import type { HeartbeatInput, Master } from '../../src/core/index.js';
import { newMaster, settle } from '../fixtures/master.js';

// Every kind of chunk report, mixed at random with deaths and expiries, against the obvious model of CONTRACT 9.

const SERVERS = ['s0', 's1', 's2', '__proto__'];
const HANDLES = ['c0', 'c1', 'c2', 'c3', 'c4', 'constructor'];
const DEAD_AFTER_MS = 15_000;
const PENDING_MS = 30_000;

const handles = fc.array(fc.constantFrom(...HANDLES), { maxLength: 5 });
const report = fc.oneof(
  fc.record({ kind: fc.constant('full' as const), chunks: handles }),
  fc.record({ kind: fc.constant('part' as const), chunks: handles, id: fc.constantFrom('r1', 'r2'), part: fc.nat(2), parts: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('changes' as const), added: fc.option(handles, { nil: undefined }), removed: fc.option(handles, { nil: undefined }) }),
  fc.record({ kind: fc.constant('liveness' as const) }),
);
const step = fc.record({ server: fc.constantFrom(...SERVERS), report, after: fc.integer({ min: 0, max: 12_000 }) });
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

interface Unfinished {
  id: string;
  count: number;
  startedAt: number;
  parts: Map<number, string[]>;
  changes: { added: string[]; removed: string[] }[];
}

interface ModelServer {
  last: number;
  alive: boolean;
  /** 'none': never had a list; 'lost': dropped at its death, changes set aside; 'known': from a full report. */
  list: 'none' | 'lost' | 'known';
  chunks: Set<string>;
  unfinished: Unfinished | undefined;
}

function applyChange(chunks: Set<string>, change: { added: string[]; removed: string[] }): void {
  for (const handle of change.added) chunks.add(handle);
  for (const handle of change.removed) chunks.delete(handle);
}

/** Deaths and expired reports up to `now`. */
function age(model: Map<string, ModelServer>, now: number): void {
  for (const server of model.values()) {
    if (server.alive && now - server.last >= DEAD_AFTER_MS) {
      Object.assign(server, { alive: false, chunks: new Set(), unfinished: undefined });
      server.list = 'lost';
    }
    if (server.unfinished !== undefined && now >= server.unfinished.startedAt + PENDING_MS) server.unfinished = undefined;
  }
}

function applyPart(server: ModelServer, s: Extract<Step['report'], { kind: 'part' }>, now: number): void {
  const part = s.part % s.parts;
  const current = server.unfinished;
  const same = current !== undefined && current.id === s.id && current.count === s.parts;
  const report: Unfinished = same ? current : { id: s.id, count: s.parts, startedAt: now, parts: new Map(), changes: [] };
  server.unfinished = report;
  report.parts.set(part, s.chunks);
  if (report.parts.size < report.count) return;
  server.chunks = new Set([...report.parts.values()].flat());
  for (const change of report.changes) applyChange(server.chunks, change);
  server.list = 'known';
  server.unfinished = undefined;
}

function applyStep(model: Map<string, ModelServer>, s: Step, now: number): void {
  const server: ModelServer = model.get(s.server) ?? { last: now, alive: true, list: 'none', chunks: new Set(), unfinished: undefined };
  model.set(s.server, server);
  Object.assign(server, { last: now, alive: true });
  const r = s.report;
  if (r.kind === 'full') {
    server.chunks = new Set(r.chunks);
    server.list = 'known';
  }
  if (r.kind === 'part') applyPart(server, r, now);
  if (r.kind === 'changes' && (r.added !== undefined || r.removed !== undefined)) {
    const change = { added: r.added ?? [], removed: r.removed ?? [] };
    server.unfinished?.changes.push(change);
    if (server.list !== 'lost') applyChange(server.chunks, change);
  }
}

function inputOf(s: Step): HeartbeatInput {
  const r = s.report;
  if (r.kind === 'full') return { server: s.server, chunks: r.chunks };
  if (r.kind === 'part') return { server: s.server, chunks: r.chunks, report: { id: r.id, part: r.part % r.parts, parts: r.parts } };
  if (r.kind === 'changes') return { server: s.server, chunksAdded: r.added, chunksRemoved: r.removed };
  return { server: s.server };
}

function disagreement(master: Master, now: number, model: Map<string, ModelServer>): string | undefined {
  for (const handle of HANDLES) {
    const want = SERVERS.filter((id) => model.get(id)?.alive === true && model.get(id)?.chunks.has(handle));
    const holders = master.chunkLocations(now, handle);
    if ([...holders].sort().join() !== want.sort().join()) return `${handle} is on ${holders.join()}, the model says ${want.join()}`;
  }
  for (const [id, server] of model) {
    const view = master.server(now, id);
    if ((view?.status === 'dead') === server.alive) return `${id} is ${view?.status}`;
    if (view?.chunks !== (server.alive ? server.chunks.size : 0)) return `${id} counts ${view?.chunks}, the model ${server.chunks.size}`;
  }
  return undefined;
}

t.test('full, split and incremental reports, deaths and expiries keep the map equal to the model', async (t) => {
  let asks = 0;
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
      // Leases for all and no periodic report: a server is asked exactly when the master lacks its list and none is under way.
      const master = newMaster({ pendingTimeoutMs: PENDING_MS, maxFullReportLeases: SERVERS.length, fullReportIntervalMs: 1e12, maxDeadFraction: 1 });
      const model = new Map<string, ModelServer>();
      let now = 0;
      for (const s of steps) {
        now += s.after;
        age(model, now);
        const reply = master.heartbeat(now, inputOf(s));
        applyStep(model, s, now);
        const server = model.get(s.server) as ModelServer;
        const wanted = server.list !== 'known' && server.unfinished === undefined;
        if (reply.fullReport !== wanted) throw new Error(`${s.server} asked ${reply.fullReport}, the model says ${wanted}`);
        if (reply.fullReport) asks++;
        settle(master, now);
        const problem = disagreement(master, now, model);
        if (problem !== undefined) throw new Error(problem);
      }
      return true;
    }),
    { numRuns: 500, seed: 20261202 },
  );
  t.ok(asks > 100, `full reports asked: ${asks}`);
});
