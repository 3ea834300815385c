import t from 'tap';
import { Renewals } from '../../src/ha/renewals.js';

t.test('each answer renews from the oldest keep-alive still waiting', async (t) => {
  const renewals = new Renewals(100);
  t.equal(renewals.renewedAt, 100, 'the grant counts until a keep-alive is answered');
  renewals.sent(200);
  renewals.sent(300);
  t.equal(renewals.outstanding, 2);
  t.ok(renewals.answered());
  t.equal(renewals.renewedAt, 200, 'the answer to the first, not the time it came');
  t.ok(renewals.answered());
  t.equal(renewals.renewedAt, 300);
  t.equal(renewals.outstanding, 0);
});

t.test('a failed stream loses its waiting keep-alives, and a stray answer renews nothing', async (t) => {
  const renewals = new Renewals(100);
  renewals.sent(200);
  renewals.failed();
  t.equal(renewals.outstanding, 0);
  t.notOk(renewals.answered(), 'an answer from the stream given up');
  t.equal(renewals.renewedAt, 100);
  renewals.sent(50);
  t.notOk(renewals.answered(), 'sent before the last renewal: nothing later to renew from');
  t.equal(renewals.renewedAt, 100);
});
