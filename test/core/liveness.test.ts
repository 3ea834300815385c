import t from 'tap';
import { Liveness } from '../../src/core/liveness.js';

t.test('deadlines come due in order, each server once, and not before their time', async (t) => {
  const liveness = new Liveness();
  t.equal(liveness.nextDeadline(), undefined);
  t.equal(liveness.popDue(1e12), undefined, 'nothing scheduled, nothing due');
  liveness.schedule(2, 100, 200);
  liveness.schedule(1, 100, 50);
  t.equal(liveness.nextDeadline(), 150);
  t.equal(liveness.popDue(149), undefined, 'a millisecond early');
  t.same(liveness.popDue(400), { server: 1, at: 150 }, 'the earliest first, with its own deadline');
  t.same(liveness.popDue(400), { server: 2, at: 300 });
  t.equal(liveness.popDue(400), undefined, 'popped entries are gone');
});

t.test('a heartbeat moves a server\'s deadline instead of adding one; cancel drops it', async (t) => {
  const liveness = new Liveness();
  liveness.schedule(7, 0, 100);
  liveness.schedule(7, 0, 10);
  t.equal(liveness.nextDeadline(), 10, 'moved earlier');
  liveness.schedule(7, 0, 500);
  t.equal(liveness.nextDeadline(), 500, 'and later again');
  t.same(liveness.popDue(1000), { server: 7, at: 500 });
  t.equal(liveness.popDue(1000), undefined, 'one entry per server');
  liveness.schedule(1, 0, 10);
  liveness.schedule(2, 0, 20);
  liveness.cancel(1);
  liveness.cancel(99);
  t.same(liveness.popDue(1000), { server: 2, at: 20 }, 'cancelling an unknown server is harmless');
});

t.test('a stall credited moves every scheduled deadline back by as much, and none scheduled after it', async (t) => {
  const liveness = new Liveness();
  liveness.schedule(1, 0, 100);
  liveness.schedule(2, 0, 200);
  liveness.credit(30);
  liveness.credit(0);
  liveness.credit(-50);
  t.equal(liveness.nextDeadline(), 130, 'only a positive stall counts');
  t.equal(liveness.popDue(129), undefined);
  t.same(liveness.popDue(130), { server: 1, at: 130 });
  liveness.schedule(3, 500, 10);
  t.same(liveness.popDue(1000), { server: 2, at: 230 });
  t.same(liveness.popDue(1000), { server: 3, at: 510 }, 'a deadline set after the stall is `afterMs` from now');
});
