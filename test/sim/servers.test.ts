import t from 'tap';
import { Servers } from '../../src/sim/servers.js';

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
