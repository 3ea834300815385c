/**
 * Growable Int32Array storage for the core's flat tables.
 *
 * Copying to grow is what hurts at fleet scale: 100M replica records are
 * 2.8 GB, and growing them by copies cost 37 s in all, seconds at a time
 * with the event loop blocked. So past SMALL elements an array moves, once,
 * onto a resizable ArrayBuffer reserved up to 4 GiB (V8's ceiling for one),
 * and from then on grows in place: the length-tracking view stays the same
 * object, and new pages are only committed as they are touched. Small
 * arrays, the many masters of a test run among them, reserve nothing.
 * Past 4 GiB it falls back to copying.
 */

const SMALL = 1 << 20;

/** Node 20 has resizable ArrayBuffers (ES2024); the lib this project compiles against does not name them. */
interface ResizableBuffer extends ArrayBuffer {
  readonly resizable: boolean;
  readonly maxByteLength: number;
  resize(bytes: number): void;
}
const ResizableArrayBuffer = ArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => ResizableBuffer;
const MAX_RESIZABLE_BYTES = 2 ** 32;

/**
 * Bytes committed in resizable buffers, which Node's memory usage figures
 * leave out of `arrayBuffers`: benches add it to tell what the core holds.
 */
let resizableBytes = 0;
const released = new FinalizationRegistry<{ bytes: number }>((held) => {
  resizableBytes -= held.bytes;
});
const committed = new WeakMap<ArrayBuffer, { bytes: number }>();

export function resizableBytesInUse(): number {
  return resizableBytes;
}

/**
 * In place, growth costs only the new pages (committed, zeroed, filled):
 * small steps keep the slack small too. They are capped, because the
 * arrays kept per chunk id all grow at the same id: a master restarting
 * under 10,000 servers grew ten of them by 3M elements in one report, and
 * held the loop for 90 ms. 256K elements take well under a millisecond.
 */
const IN_PLACE_STEP = 1 << 18;

function growthStep(length: number, inPlace: boolean): number {
  return inPlace ? Math.min(length >> 3, IN_PLACE_STEP) : length >> 1;
}

/**
 * What new elements hold: one value, or a record's slots in order (each
 * record as long as the pattern), for tables that keep what is read
 * together side by side.
 */
export type Fill = number | readonly number[];

export function filled(length: number, value: Fill): Int32Array {
  const array = new Int32Array(length);
  fillFrom(array, 0, value);
  return array;
}

function fillFrom(array: Int32Array, from: number, value: Fill): void {
  if (typeof value === 'number') {
    if (value !== 0) array.fill(value, from);
    return;
  }
  // One fill with the record's commonest value, then a strided pass per slot that differs.
  const common = commonest(value);
  if (common !== 0) array.fill(common, from);
  for (let slot = 0; slot < value.length; slot++) {
    const slotValue = value[slot] as number;
    if (slotValue !== common) for (let at = from + slot; at < array.length; at += value.length) array[at] = slotValue;
  }
}

function commonest(values: readonly number[]): number {
  let best = 0;
  let bestCount = 0;
  for (const value of values) {
    const count = values.filter((other) => other === value).length;
    if (count > bestCount) [best, bestCount] = [value, count];
  }
  return best;
}

/**
 * The array at least `minLength` long (a whole number of `unit`s, records
 * for a pattern), filled past its old end with `fill`: the same object once
 * it is resizable.
 */
export function grown(array: Int32Array, minLength: number, fill: Fill, unit = typeof fill === 'number' ? 1 : fill.length): Int32Array {
  const buffer = array.buffer as ResizableBuffer;
  let length = array.length;
  while (length < minLength) length += Math.max(unit, Math.ceil(growthStep(length, buffer.resizable) / unit) * unit);
  const oldLength = array.length;
  const bytes = length * Int32Array.BYTES_PER_ELEMENT;
  let result: Int32Array;
  if (buffer.resizable && bytes <= buffer.maxByteLength) {
    buffer.resize(bytes);
    track(buffer, bytes);
    result = array;
  } else if (length > SMALL && bytes <= MAX_RESIZABLE_BYTES) {
    const fresh = new ResizableArrayBuffer(bytes, { maxByteLength: MAX_RESIZABLE_BYTES });
    track(fresh, bytes);
    result = new Int32Array(fresh);
    result.set(array);
  } else {
    result = new Int32Array(length);
    result.set(array);
  }
  fillFrom(result, oldLength, fill);
  return result;
}

function track(buffer: ArrayBuffer, bytes: number): void {
  let held = committed.get(buffer);
  if (held === undefined) {
    held = { bytes: 0 };
    committed.set(buffer, held);
    released.register(buffer, held);
  }
  resizableBytes += bytes - held.bytes;
  held.bytes = bytes;
}
