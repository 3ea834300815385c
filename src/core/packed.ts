import { type HandleKey, keyOf, STRING_KEY } from './handles.js';

/**
 * A list of handles as their keys (see handles.ts), with the text kept only
 * of those that are not numeric. Reports the core holds across turns of the
 * event loop (a split report's parts until the last comes, one queued to be
 * applied in steps) are kept this way, not as the parsed strings: a million
 * strings kept alive were copied by every young-generation collection until
 * promoted (scavenges of 15-30 ms, one after another, while a split report
 * of a million handles came in), then marked by every full one.
 */
export class PackedHandles {
  private constructor(
    /** lo, hi of each handle in turn. */
    private readonly keys: Int32Array,
    /** The text of string-keyed handles by position; empty when every handle is numeric. */
    private readonly texts: readonly (string | undefined)[],
  ) {}

  /** The list packed; a packed one as it is. Duplicates and order are kept. */
  static of(list: readonly string[] | PackedHandles): PackedHandles {
    if (list instanceof PackedHandles) return list;
    const keys = new Int32Array(2 * list.length);
    const texts: (string | undefined)[] = [];
    const key: HandleKey = { lo: 0, hi: 0 };
    for (let at = 0; at < list.length; at++) {
      const handle = list[at] as string;
      keyOf(handle, key);
      keys[2 * at] = key.lo;
      keys[2 * at + 1] = key.hi;
      if (key.hi === STRING_KEY) texts[at] = handle;
    }
    return new PackedHandles(keys, texts);
  }

  get length(): number {
    return this.keys.length >> 1;
  }

  lo(at: number): number {
    return this.keys[2 * at] as number;
  }

  hi(at: number): number {
    return this.keys[2 * at + 1] as number;
  }

  /** The handle's text when it is string-keyed; undefined for a numeric one. */
  text(at: number): string | undefined {
    return this.texts[at];
  }
}
