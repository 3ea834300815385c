import t from 'tap';
import { Servers, type SimServer, newServer } from '../../src/sim/servers.js';
import { EpochGate } from '../../src/fleet/epochs.js';

t.test('simulated server disks', async (t) => {
  const fleet = new Servers(3, (i) => i * 10, 2);
  const [a, b] = fleet.all;
  a?.disk.add('x');
  b?.disk.add('x');
  t.same(fleet.copiesOf('x').map((s) => s.id), ['cs1', 'cs2']);
  t.equal(fleet.diskPct(fleet.get('cs2')), 12);
  if (b) b.full = true;
  t.equal(fleet.diskPct(fleet.get('cs2')), 95);
  if (a) fleet.wipe(a);
  t.same(fleet.copiesOf('x').map((s) => s.id), ['cs2']);
  t.equal(a?.lostSinceReport, true);
  t.throws(() => fleet.get('nope'));
});

t.test('disk changes made through the fleet are noted for the next incremental report', async (t) => {
  const fleet = new Servers(2, () => 0, 1, (i) => (i === 0 ? 'incremental' : 'full'));
  const [a, b] = fleet.all as [SimServer, SimServer];
  t.same([a.mode, b.mode], ['incremental', 'full']);
  fleet.store(a, 'x');
  fleet.store(a, 'x');
  fleet.store(a, 'y');
  t.same([...a.touched], ['x', 'y']);
  a.touched.clear();
  fleet.drop(a, 'x');
  fleet.drop(a, 'nope');
  t.same([...a.touched], ['x'], 'only what did change');
  fleet.wipe(a);
  t.same([...a.touched], ['x', 'y']);
  t.same([...a.disk], []);
  t.equal(newServer('cs9', 1).mode, 'full', 'the seed form unless told');
});

t.test('a port is the server as another master sees it: one process and disk, its own link state', async (t) => {
  const fleet = new Servers(2, () => 0, 1, () => 'incremental');
  const other = Servers.portsOf(fleet);
  const [a] = fleet.all as [SimServer];
  const port = other.get('cs1');
  t.not(port, a);
  t.same(a.ports, [a, port], 'the server knows every port, itself first');
  t.equal(port.disk, a.disk, 'one disk');
  port.up = false;
  port.health = 'read_only';
  const epochs = new EpochGate();
  a.epochs = epochs;
  t.same([a.up, a.health, port.epochs], [false, 'read_only', epochs], 'one process: its fields read and write the server\'s');
  port.wantsReport = true;
  port.lastHeard = 5;
  t.same([a.wantsReport, a.lastHeard], [false, Number.NEGATIVE_INFINITY], 'but report state and liveness are per master');
  other.store(port, 'x');
  t.same([[...a.touched], [...port.touched]], [['x'], ['x']], 'every master is owed the change');
  t.equal(a.diskChanges, 1, 'counted once');
  fleet.wipe(a);
  t.same([a.lostSinceReport, port.lostSinceReport], [true, true]);
  t.same(other.copiesOf('x'), []);
});
