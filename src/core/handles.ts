/**
 * Chunk handles and their dense ids, in flat typed arrays rather than a
 * `Map<string, number>`: V8's Map stops at 2^24 entries (16.8M chunks, 50M
 * replicas at RF 3) and spends about 35 bytes on each.
 *
 * Every handle has a key of two int32 halves. A canonical decimal integer up
 * to 2^53 - 1 (GFS's and HDFS's handles are numbers) is keyed by its value
 * (hi >= 0: see numericKey) and keeps no string at all: its text is rebuilt when asked for.
 * Any other handle is keyed by a 32-bit hash of its text (hi = -1) and keeps
 * its text, which settles every match. The replica records copy the key, so
 * comparing a reported handle to a stored one needs no lookup.
 *
 * The table is open addressing with linear probing (a slot holds id + 1;
 * 0 is empty), with backward-shift deletion: no tombstones, so probes stay
 * short however many chunks come and go. It is cut into SHARDS tables by
 * the hash's top bits, each growing on its own, so a growth rehashes a
 * 1024th of the handles where one table would block the loop for seconds
 * (at 33M chunks a 256th took 20 ms: every entry moved is a cache miss).
 * The shards fill evenly, so at one load limit they would all grow within a
 * few reports (a master restarting under 10,000 servers held the loop 40-80
 * ms per report then): shard i grows past 50% + 25% * i / SHARDS of its
 * slots, which spreads the growths.
 */

import { filled, grown } from './arrays.js';

export const STRING_KEY = -1;
const FREE = -2;
/** A numeric key's lo half holds the last LO_DIGITS digits. */
const LO_DIGITS = 8;
const LO_RANGE = 1e8;
const MAX_DIGITS = 16;
const SHARD_BITS = 10;
const SHARDS = 1 << SHARD_BITS;
const INITIAL_SHARD_SLOTS = 16;
const SLOT = 3;
const INITIAL_IDS = 64;

/** A handle's key, written by keyOf. */
export interface HandleKey {
  lo: number;
  hi: number;
}

/** Writes a handle's key into `key`. */
export function keyOf(handle: string, key: HandleKey): void {
  if (!numericKey(handle, key)) {
    key.lo = textHash(handle);
    key.hi = STRING_KEY;
  }
}

/**
 * Keyed by the value's decimal halves (hi = the digits before the last
 * LO_DIGITS, lo = those), read straight off the text: int32 arithmetic, no
 * division, and each half fits an int32 for any value up to 2^53 - 1.
 */
function numericKey(handle: string, key: HandleKey): boolean {
  const length = handle.length;
  if (length === 0 || length > MAX_DIGITS) return false;
  if (handle.charCodeAt(0) === 48 && length > 1) return false;
  const split = length - LO_DIGITS;
  let hi = 0;
  let lo = 0;
  let at = 0;
  for (; at < split; at++) {
    const digit = handle.charCodeAt(at) - 48;
    if (digit >>> 0 > 9) return false;
    hi = hi * 10 + digit;
  }
  for (; at < length; at++) {
    const digit = handle.charCodeAt(at) - 48;
    if (digit >>> 0 > 9) return false;
    lo = lo * 10 + digit;
  }
  if (hi * LO_RANGE + lo > Number.MAX_SAFE_INTEGER) return false;
  key.lo = lo;
  key.hi = hi;
  return true;
}

/** FNV-1a over UTF-16 units. */
function textHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let at = 0; at < text.length; at++) hash = Math.imul(hash ^ text.charCodeAt(at), 0x01000193);
  return hash | 0;
}

function shardIndex(lo: number, hi: number): number {
  return slotHash(lo, hi) >>> (32 - SHARD_BITS);
}

/** Spreads a key over the slots (murmur3's finaliser); the top bits pick the shard. */
function slotHash(lo: number, hi: number): number {
  let h = lo ^ Math.imul(hi, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class HandleTable {
  /** Per shard, SLOT ints per slot: id + 1 (0: empty), then the key, so a probe reads one cache line. */
  private readonly shards: Int32Array[] = Array.from({ length: SHARDS }, () => new Int32Array(INITIAL_SHARD_SLOTS * SLOT));
  private readonly shardCounts = new Int32Array(SHARDS);
  /** Per shard, its slot count less one (a power of two): kept, as dividing its length by SLOT on each probe shows in profiles. */
  private readonly shardMasks = new Int32Array(SHARDS).fill(INITIAL_SHARD_SLOTS - 1);
  private count = 0;
  /** Per id, its key's two halves; hi is FREE for an id not held. */
  private keys: Int32Array = filled(2 * INITIAL_IDS, FREE);
  /** The text of string-keyed handles, by id; holes for numeric ones. */
  private readonly texts: (string | undefined)[] = [];
  private readonly freeIds: number[] = [];
  private idsUsed = 0;
  private readonly key: HandleKey = { lo: 0, hi: 0 };

  /** Handles held. */
  get size(): number {
    return this.count;
  }

  /** Ids handed out so far, held or freed: every id is below it. */
  get idLimit(): number {
    return this.idsUsed;
  }

  has(id: number): boolean {
    return id >= 0 && id < this.idsUsed && this.keys[2 * id + 1] !== FREE;
  }

  /** The handle's id, or -1. */
  find(handle: string): number {
    keyOf(handle, this.key);
    return this.findKey(this.key.lo, this.key.hi, handle);
  }

  /** The id of the handle keyed (lo, hi), or -1; `text` settles a string key and is not read for a numeric one. */
  findKey(lo: number, hi: number, text: string | undefined): number {
    const shard = shardIndex(lo, hi);
    const slots = this.shards[shard] as Int32Array;
    return (slots[this.probe(slots, this.shardMasks[shard] as number, text, lo, hi)] as number) - 1;
  }

  /** The handle's id, given a new one (a freed id first) when it has none. */
  intern(handle: string): number {
    keyOf(handle, this.key);
    return this.internKey(this.key.lo, this.key.hi, handle);
  }

  /** intern() of the handle keyed (lo, hi), whose text is `text` when the key is a string's. */
  internKey(lo: number, hi: number, text: string | undefined): number {
    const shard = shardIndex(lo, hi);
    let slots = this.shards[shard] as Int32Array;
    let at = this.probe(slots, this.shardMasks[shard] as number, text, lo, hi);
    const found = (slots[at] as number) - 1;
    if (found >= 0) return found;
    const held = this.shardCounts[shard] as number;
    if (4 * SHARDS * (held + 1) * SLOT > (2 * SHARDS + shard) * slots.length) {
      slots = this.growShard(shard);
      at = this.probe(slots, this.shardMasks[shard] as number, text, lo, hi);
    }
    const id = this.freeIds.pop() ?? this.newId();
    this.keys[2 * id] = lo;
    this.keys[2 * id + 1] = hi;
    if (hi === STRING_KEY) this.texts[id] = text;
    slots[at] = id + 1;
    slots[at + 1] = lo;
    slots[at + 2] = hi;
    this.shardCounts[shard] = held + 1;
    this.count++;
    return id;
  }

  /** Frees an id and forgets its handle; false when the id is not held. */
  remove(id: number): boolean {
    if (!this.has(id)) return false;
    const lo = this.keys[2 * id] as number;
    const hi = this.keys[2 * id + 1] as number;
    const shard = shardIndex(lo, hi);
    const slots = this.shards[shard] as Int32Array;
    const mask = slots.length / SLOT - 1;
    let hole = slotHash(lo, hi) & mask;
    while (slots[hole * SLOT] !== id + 1) hole = (hole + 1) & mask;
    for (let at = (hole + 1) & mask; slots[at * SLOT] !== 0; at = (at + 1) & mask) {
      const home = slotHash(slots[at * SLOT + 1] as number, slots[at * SLOT + 2] as number) & mask;
      // An entry may fill the hole only if the hole lies on its probe path (home .. at, wrapping).
      if (((at - home) & mask) >= ((at - hole) & mask)) {
        slots.copyWithin(hole * SLOT, at * SLOT, at * SLOT + SLOT);
        hole = at;
      }
    }
    slots[hole * SLOT] = 0;
    this.shardCounts[shard] = (this.shardCounts[shard] as number) - 1;
    this.keys[2 * id + 1] = FREE;
    this.texts[id] = undefined;
    this.freeIds.push(id);
    this.count--;
    return true;
  }

  handleOf(id: number): string {
    const hi = this.keys[2 * id + 1] as number;
    if (hi === STRING_KEY) return this.texts[id] as string;
    return String(hi * LO_RANGE + (this.keys[2 * id] as number));
  }

  keyLoOf(id: number): number {
    return this.keys[2 * id] as number;
  }

  keyHiOf(id: number): number {
    return this.keys[2 * id + 1] as number;
  }

  /** True when a string-keyed id holds exactly this text (its key already matched). */
  textIs(id: number, handle: string): boolean {
    return this.texts[id] === handle;
  }

  /** The offset of the slot holding the handle, or of the empty slot where it would go. */
  private probe(slots: Int32Array, mask: number, handle: string | undefined, lo: number, hi: number): number {
    let at = (slotHash(lo, hi) & mask) * SLOT;
    for (let entry = slots[at] as number; entry !== 0; entry = slots[at] as number) {
      if (slots[at + 1] === lo && slots[at + 2] === hi && (hi !== STRING_KEY || this.texts[entry - 1] === handle)) return at;
      at = at + SLOT === slots.length ? 0 : at + SLOT;
    }
    return at;
  }

  private newId(): number {
    const id = this.idsUsed++;
    if (2 * id + 1 >= this.keys.length) this.keys = grown(this.keys, 2 * id + 2, FREE, 2);
    return id;
  }

  private growShard(shard: number): Int32Array {
    const old = this.shards[shard] as Int32Array;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length / SLOT - 1;
    for (let from = 0; from < old.length; from += SLOT) {
      if (old[from] === 0) continue;
      let at = slotHash(old[from + 1] as number, old[from + 2] as number) & mask;
      while (slots[at * SLOT] !== 0) at = (at + 1) & mask;
      slots[at * SLOT] = old[from] as number;
      slots[at * SLOT + 1] = old[from + 1] as number;
      slots[at * SLOT + 2] = old[from + 2] as number;
    }
    this.shards[shard] = slots;
    this.shardMasks[shard] = mask;
    return slots;
  }
}
