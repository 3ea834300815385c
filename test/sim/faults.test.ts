import t from 'tap';
import { defaultCoreConfig } from '../../src/core/config.js';
import { Agenda } from '../../src/sim/agenda.js';
import { type FaultTarget, scheduleFaults } from '../../src/sim/faults.js';
import type { GroupTarget, MasterTarget } from '../../src/sim/master-faults.js';
import { Rng } from '../../src/sim/prng.js';
import { Servers, type SimServer } from '../../src/sim/servers.js';

const KINDS = new Set(['crash_short', 'crash_long', 'crash_disk_lost', 'disk_lost', 'gone_for_good', 'partition', 'flap', 'fill_up', 'degraded', 'mass_failure', 'master_restart']);
const END = 30 * 60_000;

/** Runs a fault schedule on a world that only records what it is told, past the end of the fault window. */
function run(seed: number, count = 20) {
  const agenda = new Agenda();
  const servers = new Servers(count, () => 10, 1);
  for (const server of servers.all) server.disk.add('c');
  const log: string[] = [];
  const problems: string[] = [];
  const world: FaultTarget = {
    get now() {
      return agenda.now;
    },
    rng: new Rng(seed),
    agenda,
    config: defaultCoreConfig(),
    servers,
    reportFaults: false,
    crash(server: SimServer) {
      if (!server.up) problems.push(`${server.id} crashed while down at ${agenda.now}`);
      server.up = false;
    },
    restart(server: SimServer) {
      server.up = true;
    },
    restartMaster() {},
    countFault(kind: string) {
      log.push(`${agenda.now} ${kind}`);
      if (!KINDS.has(kind)) problems.push(`unknown fault ${kind}`);
      if (agenda.now > END || (agenda.now === END && kind !== 'master_restart')) problems.push(`${kind} at ${agenda.now}, after the window`);
    },
  };
  scheduleFaults(world, END);
  while (agenda.step(END + 3_600_000));
  return { servers, log, problems };
}

t.test('faults come only within the window, never on a server already down, and are all undone after it', async (t) => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const { servers, log, problems } = run(seed);
    t.same(problems, [], `seed ${seed}`);
    t.ok(log.length > 10, `seed ${seed}: ${log.length} faults, about one per server per 10 minutes`);
    const gone = servers.all.filter((s) => s.gone);
    t.ok(gone.length <= 2, `seed ${seed}: at most a tenth of the fleet lost for good`);
    const unhealed = servers.all.filter((s) => !s.gone && (!s.up || s.partitioned || s.full || s.health !== 'healthy'));
    t.same(unhealed.map((s) => s.id), [], `seed ${seed}: every other server back to normal`);
    for (const server of gone) t.equal(server.disk.size, 0, `${server.id} gone with its disk`);
  }
});

t.test('a seed gives the same faults at the same times', async (t) => {
  t.same(run(42).log, run(42).log);
  t.not(run(42).log.join('\n'), run(43).log.join('\n'));
});

t.test('a fleet too small to lose a server for good falls back to a long crash', async (t) => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const { servers, log } = run(seed, 5);
    t.equal(servers.all.filter((s) => s.gone).length, 0, `seed ${seed}`);
    t.notOk(log.some((line) => line.endsWith('gone_for_good')), `seed ${seed}: counted as what it became`);
  }
});

/** A group of three masters that only records what faults do to it; one of them leads while it runs. */
function group(seed: number) {
  const agenda = new Agenda();
  const servers = new Servers(10, () => 10, 1);
  const log: string[] = [];
  const problems: string[] = [];
  const masters: MasterTarget[] = ['m1', 'm2', 'm3'].map((id) => ({
    id,
    state: 'running' as MasterTarget['state'],
    cut: false,
    busyUntil: 0,
    crash() {
      if (this.state !== 'running') problems.push(`${id} crashed while ${this.state}`);
      this.state = 'crashed';
    },
    restart() {
      this.state = 'running';
    },
    pause() {
      if (this.state !== 'running') problems.push(`${id} paused while ${this.state}`);
      this.state = 'paused';
    },
    resume() {
      this.state = 'running';
    },
  }));
  let reachable = true;
  const target: GroupTarget = {
    masters,
    leaseMs: 5000,
    get etcdReachable() {
      return reachable;
    },
    leader: () => masters.find((m) => m.state === 'running'),
    setEtcdReachable(value: boolean) {
      if (value === reachable) problems.push(`etcd set ${value} twice`);
      reachable = value;
    },
  };
  const world: FaultTarget = {
    get now() {
      return agenda.now;
    },
    rng: new Rng(seed),
    agenda,
    config: defaultCoreConfig(),
    servers,
    reportFaults: false,
    group: target,
    crash: (server) => void (server.up = false),
    restart: (server) => void (server.up = true),
    restartMaster: () => problems.push('a lone master restart'),
    countFault(kind: string) {
      log.push(`${agenda.now} ${kind}`);
      if (agenda.now >= END) problems.push(`${kind} at ${agenda.now}, after the window`);
    },
  };
  scheduleFaults(world, END);
  const pauses: [number, number][] = [];
  while (agenda.step(END + 3_600_000)) {
    for (const m of masters) if (m.state === 'paused' && !pauses.some(([, until]) => until === m.busyUntil)) pauses.push([agenda.now, m.busyUntil]);
  }
  return { masters, log, problems, reachable: () => reachable, pauses };
}

t.test('with several masters: leader crashes and pauses, etcd out of reach, a master cut off; all undone after the window', async (t) => {
  const kinds = new Map<string, number>();
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const { masters, log, problems, reachable, pauses } = group(seed);
    t.same(problems, [], `seed ${seed}`);
    for (const line of log) {
      const kind = line.split(' ')[1] as string;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    t.same(masters.map((m) => [m.state, m.cut]), [['running', false], ['running', false], ['running', false]], `seed ${seed}: every master back`);
    t.ok(reachable(), 'etcd back');
    for (const [from, until] of pauses) t.ok(until - from > 5000 && until <= END, `a pause of ${until - from} ms outlasts the lease and ends in the window`);
  }
  for (const kind of ['leader_crash', 'leader_pause', 'etcd_unreachable', 'master_partition']) t.ok((kinds.get(kind) ?? 0) > 3, `${kind}: ${kinds.get(kind)}`);
  t.notOk(kinds.has('master_restart'));
});
