import t from 'tap';
import { type KeyEntry, KeyTable } from '../../src/ha/key-table.js';

const at = (key: string, modRevision: number, value = `v${modRevision}`): KeyEntry => ({ key, value, createRevision: modRevision, modRevision });

t.test('puts and deletes from a watch, in order, each told once', async (t) => {
  const table = new KeyTable();
  t.same(table.put(at('a', 2)), { type: 'put', entry: at('a', 2) });
  t.equal(table.put(at('a', 2)), undefined, 'the same put again (a replay)');
  t.same(table.put(at('a', 3)), { type: 'put', entry: at('a', 3) }, 'a newer put of the key');
  t.equal(table.get('a')?.value, 'v3');
  t.equal(table.size, 1);
  t.same(table.delete('a', 4), { type: 'delete', entry: at('a', 3) });
  t.equal(table.get('a'), undefined);
  t.equal(table.delete('a', 4), undefined, 'deleted already');
  t.equal(table.put(at('a', 3)), undefined, 'a replayed put from before the delete');
  t.same(table.put(at('a', 6)), { type: 'put', entry: at('a', 6) }, 'made anew after the delete');
  t.equal(table.delete('a', 5), undefined, 'a delete older than the key');
  t.same([...table.values()], [at('a', 6)]);
});

t.test('a put missed before a delete is still told when a watch replays the gap', async (t) => {
  const table = new KeyTable();
  table.sync([at('f', 2)], 2);
  t.same(table.sync([], 10), [{ type: 'delete', entry: at('f', 2) }], 'gone by the read at 10');
  t.same(table.put(at('f', 5)), { type: 'put', entry: at('f', 5) }, 'written again at 5, which the read missed');
  t.same(table.delete('f', 8), { type: 'delete', entry: at('f', 5) });
});

t.test('a delete of a key not known yet bars the older read crossing it', async (t) => {
  const table = new KeyTable();
  t.equal(table.delete('b', 7), undefined, 'nothing to tell');
  t.equal(table.delete('b', 5), undefined, 'an older delete leaves the bar where it is');
  t.same(table.sync([at('b', 4)], 6), [], 'the read at 6 still holds it: old news');
  t.equal(table.get('b'), undefined);
  t.same(table.put(at('b', 9)), { type: 'put', entry: at('b', 9) });
});

t.test('a whole read puts what it holds and deletes what it lacks, unless seen put after it', async (t) => {
  const table = new KeyTable();
  t.same(table.sync([at('a', 1), at('b', 2)], 3), [
    { type: 'put', entry: at('a', 1) },
    { type: 'put', entry: at('b', 2) },
  ]);
  t.same(table.put(at('c', 9)), { type: 'put', entry: at('c', 9) }, 'the watch, ahead of the next read');
  t.same(table.sync([at('a', 1), at('b', 5)], 6), [{ type: 'put', entry: at('b', 5) }], 'c was put after the read: kept');
  t.same(table.sync([at('a', 1)], 10), [
    { type: 'delete', entry: at('b', 5) },
    { type: 'delete', entry: at('c', 9) },
  ]);
  t.same(table.put(at('a', 12)), { type: 'put', entry: at('a', 12) });
  t.same(table.sync([at('a', 11)], 11), [], 'a read older than what the watch told');
  t.equal(table.get('a')?.modRevision, 12);
});
