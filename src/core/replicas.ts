/**
 * The chunk location map, both ways: chunk -> servers holding it and
 * server -> chunks it holds. Chunks and servers are dense integer ids.
 * A dead server's replicas stay stored until they are reaped (see Sweeps);
 * the rules count only those of live servers. A chunk id is freed, and later
 * reused, only on request (forgetChunk), once no replica holds it.
 *
 * Layout: one record per replica in a single growable Int32Array, six
 * slots each, on its server's list of chunks (doubly linked, so removal is
 * O(1)); each chunk's record in ChunkHolders names its holders and their
 * records, so a chunk's side is read without walking replica records. That
 * is 24 bytes per replica (the handle's key included) plus 32 per chunk and
 * 12 per server, besides the handle table, and no per-replica object for
 * the garbage collector to trace. Freed records are reused through a free
 * list threaded through the NEXT_IN_SERVER slot.
 */
import { filled, grown } from './arrays.js';
import { HandleTable, type HandleKey, keyOf, STRING_KEY } from './handles.js';
import { ChunkHolders } from './holders.js';
import { PackedHandles } from './packed.js';

const NONE = -1;
/** What a list walk returns when the list and the records part ways (NONE ends a list). */
const MISMATCH = -2;
const STRIDE = 6;
const CHUNK = 0;
const SERVER = 1;
const PREV_IN_SERVER = 2;
const NEXT_IN_SERVER = 3;
/** The chunk's handle key (see HandleTable), copied so a report is checked against a list without a lookup. */
const KEY_LO = 4;
const KEY_HI = 5;
const INITIAL_CAPACITY = 64;
/** A server's record: its list's FIRST and LAST records, then its LENGTH. */
const [SERVER_RECORD, SERVER_SLOTS, FIRST, LAST, LENGTH] = [[NONE, NONE, 0], 3, 0, 1, 2] as const;

export class ReplicaMap {
  private readonly table = new HandleTable();
  private readonly key: HandleKey = { lo: 0, hi: 0 };
  /** Replica records, STRIDE slots each. */
  private records: Int32Array = new Int32Array(INITIAL_CAPACITY * STRIDE);
  /** Records ever handed out (the rest of `records` is untouched). */
  private recordsUsed = 0;
  private freeRecord = NONE;
  private readonly holders = new ChunkHolders();
  /** server index -> first and last record of its chunk list, and its length (SERVER_RECORD). */
  private servers: Int32Array = filled(INITIAL_CAPACITY * SERVER_SLOTS, SERVER_RECORD);
  private replicaCount = 0;

  /** Number of distinct chunk handles known (interned and not forgotten). */
  get chunkCount(): number {
    return this.table.size;
  }

  /** Number of replicas stored (one chunk on one server; a dead server's count until reaped). */
  get size(): number {
    return this.replicaCount;
  }

  /** True for a chunk id in use (interned and not forgotten). */
  has(chunk: number): boolean {
    return this.table.has(chunk);
  }

  idOf(handle: string): number | undefined {
    const id = this.table.find(handle);
    return id < 0 ? undefined : id;
  }

  intern(handle: string): number {
    const id = this.table.intern(handle);
    this.holders.fit(id);
    return id;
  }

  /** idOf() of a packed list's handle at `at`. */
  idOfPacked(list: PackedHandles, at: number): number | undefined {
    const id = this.table.findKey(list.lo(at), list.hi(at), list.text(at));
    return id < 0 ? undefined : id;
  }

  /** intern() of a packed list's handle at `at`. */
  internPacked(list: PackedHandles, at: number): number {
    const id = this.table.internKey(list.lo(at), list.hi(at), list.text(at));
    this.holders.fit(id);
    return id;
  }

  /** The server that held a chunk's last replica, while it has none; -1 otherwise. */
  lastHolderOf(chunk: number): number {
    return this.has(chunk) ? this.holders.lastHolder(chunk) : NONE;
  }

  /** Frees a chunk id that no replica holds, with its handle; false when it is still held or unknown. */
  forgetChunk(chunk: number): boolean {
    if (!this.has(chunk) || this.holders.count(chunk) !== 0) return false;
    this.table.remove(chunk);
    this.holders.clearLastHolder(chunk);
    return true;
  }

  /** A chunk's handle (numeric handles are rebuilt: a fresh string each call). */
  handleOf(chunk: number): string {
    return this.table.handleOf(chunk);
  }

  /** Servers holding a chunk, in the order they were added (a fresh array). */
  holdersOf(chunk: number): readonly number[] {
    const holders: number[] = [];
    for (let k = 0; k < this.holderCount(chunk); k++) holders.push(this.holders.serverAt(chunk, k));
    return holders;
  }

  /** The k-th of a chunk's holders, in the order they were added (k below holderCount): a walk that allocates nothing. */
  holderAt(chunk: number, k: number): number {
    return this.holders.serverAt(chunk, k);
  }

  /**
   * Chunks a server holds, in the order they were added. Removing the chunk
   * just yielded is safe; any other change during the iteration is not.
   */
  *chunksOf(server: number): Iterable<number> {
    if (!this.isServer(server)) return;
    let r = this.servers[server * SERVER_SLOTS + FIRST] as number;
    while (r !== NONE) {
      const next = this.records[r + NEXT_IN_SERVER] as number;
      yield this.records[r + CHUNK] as number;
      r = next;
    }
  }

  /** How many servers hold the chunk (0 for an id not in use). */
  holderCount(chunk: number): number {
    return this.isChunk(chunk) ? this.holders.count(chunk) : 0;
  }

  countOf(server: number): number {
    return this.isServer(server) ? (this.servers[server * SERVER_SLOTS + LENGTH] as number) : 0;
  }

  holds(server: number, chunk: number): boolean {
    return this.isChunk(chunk) && this.holders.indexOf(chunk, server) !== NONE;
  }

  /**
   * Adds a replica; false when it was already there. The chunk must have
   * been interned. An existing replica costs one walk of about RF records.
   */
  add(server: number, chunk: number): boolean {
    return this.insert(server, chunk, false);
  }

  /**
   * As add, but a replica already there moves to the end of the server's
   * list. A full report applied this way leaves the list in the report's
   * order, so the same report next time is matched in one pass (listEquals).
   */
  addOrMoveLast(server: number, chunk: number): boolean {
    return this.insert(server, chunk, true);
  }

  /**
   * True when the server's list is exactly these handles in this order, the
   * lists read one after another. It costs a parse or a hash per handle (none
   * for a packed list) and a walk of the server's own records, with no lookup in the map: an
   * unchanged report is cheap however many replicas the map holds.
   */
  listEquals(server: number, lists: readonly (readonly string[] | PackedHandles)[]): boolean {
    let total = 0;
    for (const list of lists) total += list.length;
    if (total !== this.countOf(server)) return false;
    let r = this.servers[server * SERVER_SLOTS + FIRST] as number;
    for (const list of lists) {
      r = list instanceof PackedHandles ? this.matchPacked(list, r) : this.matchParsed(list, r);
      if (r === MISMATCH) return false;
    }
    return true;
  }

  /** Walks the server's records from `r` along a list as parsed; the record after it, or MISMATCH. */
  private matchParsed(list: readonly string[], from: number): number {
    const records = this.records;
    const key = this.key;
    let r = from;
    for (let at = 0; at < list.length; at++) {
      const handle = list[at] as string;
      keyOf(handle, key);
      if (records[r + KEY_LO] !== key.lo || records[r + KEY_HI] !== key.hi) return MISMATCH;
      if (key.hi === STRING_KEY && !this.table.textIs(records[r + CHUNK] as number, handle)) return MISMATCH;
      r = records[r + NEXT_IN_SERVER] as number;
    }
    return r;
  }

  /** matchParsed for a packed list: its keys are worked out already. */
  private matchPacked(list: PackedHandles, from: number): number {
    const records = this.records;
    let r = from;
    for (let at = 0; at < list.length; at++) {
      const hi = list.hi(at);
      if (records[r + KEY_LO] !== list.lo(at) || records[r + KEY_HI] !== hi) return MISMATCH;
      if (hi === STRING_KEY && !this.table.textIs(records[r + CHUNK] as number, list.text(at) as string)) return MISMATCH;
      r = records[r + NEXT_IN_SERVER] as number;
    }
    return r;
  }

  private insert(server: number, chunk: number, moveExisting: boolean): boolean {
    if (!this.isChunk(chunk) || !(server >= 0)) throw new RangeError(`no such chunk ${chunk} or server ${server}`);
    const k = this.holders.indexOf(chunk, server);
    if (k !== NONE) {
      const r = this.holders.recordAt(chunk, k);
      if (moveExisting && this.servers[server * SERVER_SLOTS + LAST] !== r) {
        this.unlinkFromServer(r);
        this.appendToServer(r, server);
      }
      return false;
    }
    if (!this.isServer(server)) this.servers = grown(this.servers, (server + 1) * SERVER_SLOTS, SERVER_RECORD);
    const r = this.allocate();
    const records = this.records;
    records[r + CHUNK] = chunk;
    records[r + SERVER] = server;
    records[r + KEY_LO] = this.table.keyLoOf(chunk);
    records[r + KEY_HI] = this.table.keyHiOf(chunk);
    this.holders.add(chunk, server, r);
    this.appendToServer(r, server);
    this.replicaCount++;
    return true;
  }

  /** Removes a replica; false when it was not there. */
  remove(server: number, chunk: number): boolean {
    if (!this.isChunk(chunk)) return false;
    const k = this.holders.indexOf(chunk, server);
    if (k === NONE) return false;
    const r = this.holders.removeAt(chunk, k);
    this.unlinkFromServer(r);
    this.release(r);
    return true;
  }

  /** In range: an id handed out, perhaps freed since (with no replica, it reads as an empty chunk; no lookup on hot paths). */
  private isChunk(chunk: number): boolean {
    return chunk >= 0 && chunk < this.table.idLimit;
  }

  private isServer(server: number): boolean {
    return server >= 0 && server * SERVER_SLOTS < this.servers.length;
  }

  private unlinkFromServer(record: number): void {
    const records = this.records;
    const server = records[record + SERVER] as number;
    const prev = records[record + PREV_IN_SERVER] as number;
    const next = records[record + NEXT_IN_SERVER] as number;
    if (prev === NONE) this.servers[server * SERVER_SLOTS + FIRST] = next;
    else records[prev + NEXT_IN_SERVER] = next;
    if (next === NONE) this.servers[server * SERVER_SLOTS + LAST] = prev;
    else records[next + PREV_IN_SERVER] = prev;
    this.servers[server * SERVER_SLOTS + LENGTH] = (this.servers[server * SERVER_SLOTS + LENGTH] as number) - 1;
  }

  private appendToServer(record: number, server: number): void {
    const records = this.records;
    const tail = this.servers[server * SERVER_SLOTS + LAST] as number;
    records[record + PREV_IN_SERVER] = tail;
    records[record + NEXT_IN_SERVER] = NONE;
    if (tail === NONE) this.servers[server * SERVER_SLOTS + FIRST] = record;
    else records[tail + NEXT_IN_SERVER] = record;
    this.servers[server * SERVER_SLOTS + LAST] = record;
    this.servers[server * SERVER_SLOTS + LENGTH] = (this.servers[server * SERVER_SLOTS + LENGTH] as number) + 1;
  }

  /** Returns a free record's offset, growing the store when none is left. */
  private allocate(): number {
    const free = this.freeRecord;
    if (free !== NONE) {
      this.freeRecord = this.records[free + NEXT_IN_SERVER] as number;
      return free;
    }
    const r = this.recordsUsed * STRIDE;
    if (r >= this.records.length) this.records = grown(this.records, r + STRIDE, 0, STRIDE);
    this.recordsUsed++;
    return r;
  }

  private release(record: number): void {
    this.records[record + NEXT_IN_SERVER] = this.freeRecord;
    this.freeRecord = record;
    this.replicaCount--;
  }
}
