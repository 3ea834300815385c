import t from 'tap';
import { RateLimiter } from '../../src/runtime/rate-limit.js';

t.test('a bucket grants its capacity at once, then refills continuously over the window', async (t) => {
  // One request every 1,024 ms: binary fractions keep the arithmetic exact.
  const limiter = new RateLimiter(2, 2_048, 10);
  t.same([limiter.take('a', 0), limiter.take('a', 0)], [0, 0]);
  t.equal(limiter.take('a', 0), 1_024, 'the ms until one more is allowed');
  t.equal(limiter.wait('a', 512), 512, 'wait() spends nothing');
  t.equal(limiter.take('a', 512), 512, 'a refused take spends nothing either');
  t.equal(limiter.take('a', 1_024), 0);
  t.equal(limiter.take('a', 1_024), 1_024);
  t.equal(limiter.take('b', 1_024), 0, 'each key has its own bucket');
  t.equal(limiter.wait('unknown', 0), 0);
  t.same([limiter.take('a', 100_000), limiter.take('a', 100_000), limiter.take('a', 100_000)], [0, 0, 1_024], 'never above capacity');
  t.equal(limiter.take('a', 50_000), 1_024, 'a clock going back refills nothing');
});

t.test('at most maxKeys buckets: full ones go first, then the longest known', async (t) => {
  const limiter = new RateLimiter(2, 1_000, 10);
  for (let i = 0; i < 10; i++) limiter.take(`busy${i}`, 0);
  limiter.take('busy0', 0);
  t.equal(limiter.size, 10);
  limiter.take('new', 0);
  t.equal(limiter.size, 10, 'none was full: the longest known were forgotten down to 90%, then the new one added');
  t.equal(limiter.take('busy9', 0), 0, 'a kept client keeps its count');
  t.equal(limiter.take('busy9', 0), 500);
  t.equal(limiter.take('busy0', 0), 0, 'a forgotten one starts afresh: more lenient, never stricter');

  const idle = new RateLimiter(2, 1_000, 4);
  for (const key of ['a', 'b', 'c', 'd']) idle.take(key, 0);
  idle.take('d', 900);
  idle.take('e', 900);
  t.equal(idle.size, 2, 'the three whose buckets had refilled were dropped, losing nothing');
  t.equal(idle.take('d', 900), 0);
  t.equal(idle.take('d', 900), 500, 'the busy one was kept');
});
