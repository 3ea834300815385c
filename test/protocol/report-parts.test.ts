import t from 'tap';
import { splitList } from '../../src/protocol/report-parts.js';
import { REPORT_PARTS_MAX } from '../../src/protocol/schemas.js';

t.test('splitList: parts of the size asked, never more than the most parts a report may have', async (t) => {
  t.same(splitList(['a', 'b', 'c', 'd', 'e'], 2), [['a', 'b'], ['c', 'd'], ['e']]);
  t.same(splitList([], 5), [[]]);
  const many = Array.from({ length: 2 * REPORT_PARTS_MAX + 1 }, (_, i) => `h${i}`);
  const parts = splitList(many, 1);
  t.equal(parts.length, Math.ceil(many.length / 3), 'three handles a part');
  t.ok(parts.length <= REPORT_PARTS_MAX);
  t.same(parts.flat(), many);
});
