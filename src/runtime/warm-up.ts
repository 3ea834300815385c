import { type CoreConfig, Master } from '../core/index.js';
import { heartbeat } from '../protocol/handlers.js';

/** Enough handles per report for V8 to optimise the per-handle loops before the first real one. */
const HANDLES_PER_SERVER = 6000;
const SERVERS = 4;
const REPORT_PARTS = 3;

/**
 * Takes a throwaway master through what a restart brings: full reports of
 * numeric and text handles, whole and split, incremental changes, a death
 * and its sweep, a revival and a planning round. V8 optimises a function
 * for the whole process, so the real master's first reports run compiled
 * code. Cold, the first 10,000-handle report of a restart under 10,000
 * servers held the event loop for 90 ms, twice what any warm one did.
 * Runs on its own clock, before the daemon listens; nothing leaks out.
 */
export function warmUp(config: CoreConfig): WarmUp {
  const master = new Master(0, { ...config, safeModeMs: 0, safeModeMaxMs: 0 });
  let now = 0;
  let copies = 0;
  const beat = (body: object) => {
    copies += heartbeat(master, now, JSON.parse(JSON.stringify(body))).chunks_to_replicate.length;
  };
  const lists = Array.from({ length: SERVERS }, (_, server) => handles(server));
  for (const [server, chunks] of lists.entries()) beat({ server: `warm-${server}`, chunks, disk_usage_pct: 10 });
  const [first = [], second = []] = lists;
  const size = Math.ceil(second.length / REPORT_PARTS);
  for (let part = REPORT_PARTS - 1; part >= 0; part--) {
    beat({ server: 'warm-1', chunks: second.slice(part * size, (part + 1) * size), report: { id: 'warm', part, parts: REPORT_PARTS } });
  }
  beat({ server: 'warm-0', chunks_added: ['9000000000000001', 'warm-added'], chunks_removed: first.slice(0, 10) });
  beat({ server: 'warm-0', chunks: first });
  settle(master, now);
  // One falls silent: a death, its sweep, planning rounds for its chunks; then it comes back with its list.
  for (let beats = 0; beats <= config.deadAfterMissed + 1; beats++) {
    now += config.heartbeatIntervalMs;
    settle(master, now);
    for (const server of [0, 1, 2]) beat({ server: `warm-${server}` });
  }
  for (const [server, chunks] of lists.entries()) beat({ server: `warm-${server}`, chunks });
  settle(master, now);
  const events = master.takeEvents().map((event) => event.type);
  return { deaths: events.filter((type) => type === 'server_dead').length, copies, replicas: master.stats().replicas };
}

/** What the throwaway master went through: for tests that the paths a restart takes were all run. */
export interface WarmUp {
  deaths: number;
  /** Copies handed out in heartbeat replies. */
  copies: number;
  replicas: number;
}

/** Mostly 16-digit numbers, as GFS's handles are, with some text ones: both key forms. */
function handles(server: number): string[] {
  return Array.from({ length: HANDLES_PER_SERVER }, (_, at) => (at % 8 === 0 ? `ch_${server}_${at}` : String(1e15 + server * HANDLES_PER_SERVER + at)));
}

function settle(master: Master, now: number): void {
  for (let due = master.nextDeadline(); due !== undefined && due <= now; due = master.nextDeadline()) master.tick(now);
}
