import fc from 'fast-check';
import t from 'tap';
import { HandleTable, keyOf } from '../../src/core/handles.js';
import { PackedHandles } from '../../src/core/packed.js';

t.test('a packed list keeps each handle\'s key in order, and the text of the non-numeric ones only', async (t) => {
  const handles = ['1000000000000001', 'ch_a', '7', '007', 'ch_a'];
  const packed = PackedHandles.of(handles);
  t.equal(packed.length, handles.length, 'duplicates are kept');
  handles.forEach((handle, at) => {
    const key = { lo: 0, hi: 0 };
    keyOf(handle, key);
    t.same({ lo: packed.lo(at), hi: packed.hi(at) }, key, `${handle}'s key`);
  });
  t.same([0, 1, 2, 3, 4].map((at) => packed.text(at)), [undefined, 'ch_a', undefined, '007', 'ch_a'], 'a zero-padded number is text');
  t.equal(PackedHandles.of(packed), packed, 'a packed list is taken as it is');
  t.equal(PackedHandles.of([]).length, 0);
});

t.test('finding and interning by a packed key agree with doing so by the text', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.nat({ max: 2 ** 40 }).map(String), fc.string({ minLength: 1, maxLength: 6 })), { maxLength: 40 }), (handles) => {
      const byText = new HandleTable();
      const byKey = new HandleTable();
      const packed = PackedHandles.of(handles);
      handles.forEach((handle, at) => {
        if (byKey.findKey(packed.lo(at), packed.hi(at), packed.text(at)) !== byText.find(handle)) throw new Error(`find ${handle}`);
        if (byKey.internKey(packed.lo(at), packed.hi(at), packed.text(at)) !== byText.intern(handle)) throw new Error(`intern ${handle}`);
      });
      return handles.every((handle) => byKey.handleOf(byKey.find(handle)) === handle);
    }),
  );
});
