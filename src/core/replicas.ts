/**
 * The chunk location map, both ways: chunk -> servers holding it and
 * server -> chunks it holds. Chunks and servers are dense integer ids.
 * A dead server's replicas stay stored until they are reaped (see Sweeps);
 * the rules count only those of live servers. A chunk id is freed, and later
 * reused, only on request (forgetChunk), once no replica holds it.
 *
 * Layout (as HDFS keeps BlockInfo triplets): one record per replica in a
 * single growable Int32Array, five slots each. A record sits on two linked
 * lists at once: its chunk's holders (singly linked, about RF long, so a walk
 * is cheap) and its server's chunks (doubly linked, so removal is O(1)).
 * That is 20 bytes per replica plus 8 per chunk and 12 per server, with no
 * per-replica objects for the garbage collector to trace. Freed records are
 * reused through a free list threaded through the NEXT_IN_CHUNK slot.
 */

const NONE = -1;
const STRIDE = 5;
const CHUNK = 0;
const SERVER = 1;
const NEXT_IN_CHUNK = 2;
const PREV_IN_SERVER = 3;
const NEXT_IN_SERVER = 4;
const INITIAL_CAPACITY = 64;

export class ReplicaMap {
  private readonly idsByHandle = new Map<string, number>();
  private readonly handles: (string | undefined)[] = [];
  private readonly freeChunks: number[] = [];
  /** Replica records, STRIDE slots each. */
  private records: Int32Array = new Int32Array(INITIAL_CAPACITY * STRIDE);
  /** Records ever handed out (the rest of `records` is untouched). */
  private recordsUsed = 0;
  private freeRecord = NONE;
  /** chunk id -> its first holder record, and how many holders it has. */
  private chunkHead: Int32Array = filled(INITIAL_CAPACITY, NONE);
  private chunkReplicas: Int32Array = new Int32Array(INITIAL_CAPACITY);
  /** chunk id -> the server whose replica was the last to go; NONE while it has replicas or never lost one. */
  private chunkLastHolder: Int32Array = filled(INITIAL_CAPACITY, NONE);
  /** server index -> first and last record of its chunk list, and its length. */
  private serverHead: Int32Array = filled(INITIAL_CAPACITY, NONE);
  private serverTail: Int32Array = filled(INITIAL_CAPACITY, NONE);
  private serverReplicas: Int32Array = new Int32Array(INITIAL_CAPACITY);
  private replicaCount = 0;

  /** Number of distinct chunk handles known (interned and not forgotten). */
  get chunkCount(): number {
    return this.idsByHandle.size;
  }

  /** Number of replicas stored (one chunk on one server; a dead server's count until reaped). */
  get size(): number {
    return this.replicaCount;
  }

  /** True for a chunk id in use (interned and not forgotten). */
  has(chunk: number): boolean {
    return this.isChunk(chunk) && this.handles[chunk] !== undefined;
  }

  idOf(handle: string): number | undefined {
    return this.idsByHandle.get(handle);
  }

  intern(handle: string): number {
    let id = this.idsByHandle.get(handle);
    if (id === undefined) {
      id = this.freeChunks.pop() ?? this.handles.length;
      this.idsByHandle.set(handle, id);
      this.handles[id] = handle;
      if (id >= this.chunkHead.length) this.growChunks(id);
    }
    return id;
  }

  /** The server that held a chunk's last replica, while it has none; -1 otherwise. */
  lastHolderOf(chunk: number): number {
    return this.has(chunk) && this.chunkReplicas[chunk] === 0 ? (this.chunkLastHolder[chunk] as number) : NONE;
  }

  /** Frees a chunk id that no replica holds, with its handle; false when it is still held or unknown. */
  forgetChunk(chunk: number): boolean {
    if (!this.has(chunk) || this.chunkReplicas[chunk] !== 0) return false;
    this.idsByHandle.delete(this.handles[chunk] as string);
    this.handles[chunk] = undefined;
    this.chunkLastHolder[chunk] = NONE;
    this.freeChunks.push(chunk);
    return true;
  }

  handleOf(chunk: number): string {
    return this.handles[chunk] as string;
  }

  /** Servers holding a chunk, in the order they were added (a fresh array). */
  holdersOf(chunk: number): readonly number[] {
    const holders: number[] = [];
    if (!this.isChunk(chunk)) return holders;
    const records = this.records;
    for (let r = this.chunkHead[chunk] as number; r !== NONE; r = records[r + NEXT_IN_CHUNK] as number) {
      holders.push(records[r + SERVER] as number);
    }
    return holders;
  }

  /**
   * Chunks a server holds, in the order they were added. Removing the chunk
   * just yielded is safe; any other change during the iteration is not.
   */
  *chunksOf(server: number): Iterable<number> {
    if (!this.isServer(server)) return;
    let r = this.serverHead[server] as number;
    while (r !== NONE) {
      const next = this.records[r + NEXT_IN_SERVER] as number;
      yield this.records[r + CHUNK] as number;
      r = next;
    }
  }

  countOf(server: number): number {
    return this.isServer(server) ? (this.serverReplicas[server] as number) : 0;
  }

  holds(server: number, chunk: number): boolean {
    if (!this.isChunk(chunk)) return false;
    const records = this.records;
    for (let r = this.chunkHead[chunk] as number; r !== NONE; r = records[r + NEXT_IN_CHUNK] as number) {
      if (records[r + SERVER] === server) return true;
    }
    return false;
  }

  /**
   * Adds a replica; false when it was already there. The chunk must have
   * been interned. An existing replica costs one walk of about RF records.
   */
  add(server: number, chunk: number): boolean {
    if (!this.isChunk(chunk) || !(server >= 0)) throw new RangeError(`no such chunk ${chunk} or server ${server}`);
    let last = NONE;
    let records = this.records;
    for (let r = this.chunkHead[chunk] as number; r !== NONE; r = records[r + NEXT_IN_CHUNK] as number) {
      if (records[r + SERVER] === server) return false;
      last = r;
    }
    if (server >= this.serverHead.length) this.growServers(server);
    const r = this.allocate();
    records = this.records;
    records[r + CHUNK] = chunk;
    records[r + SERVER] = server;
    records[r + NEXT_IN_CHUNK] = NONE;
    if (last === NONE) this.chunkHead[chunk] = r;
    else records[last + NEXT_IN_CHUNK] = r;
    this.chunkReplicas[chunk] = (this.chunkReplicas[chunk] as number) + 1;
    const tail = this.serverTail[server] as number;
    records[r + PREV_IN_SERVER] = tail;
    records[r + NEXT_IN_SERVER] = NONE;
    if (tail === NONE) this.serverHead[server] = r;
    else records[tail + NEXT_IN_SERVER] = r;
    this.serverTail[server] = r;
    this.serverReplicas[server] = (this.serverReplicas[server] as number) + 1;
    this.replicaCount++;
    return true;
  }

  /** Removes a replica; false when it was not there. */
  remove(server: number, chunk: number): boolean {
    if (!this.isChunk(chunk)) return false;
    const records = this.records;
    let before = NONE;
    let r = this.chunkHead[chunk] as number;
    while (r !== NONE && records[r + SERVER] !== server) {
      before = r;
      r = records[r + NEXT_IN_CHUNK] as number;
    }
    if (r === NONE) return false;
    this.unlinkFromChunk(r, before);
    this.unlinkFromServer(r);
    this.release(r);
    return true;
  }

  /**
   * In range: an id handed out, perhaps freed since. A freed id has no
   * replica, so it reads as an empty chunk; the hot paths skip the handle
   * lookup, a cache miss per call in a map of millions.
   */
  private isChunk(chunk: number): boolean {
    return chunk >= 0 && chunk < this.handles.length;
  }

  private isServer(server: number): boolean {
    return server >= 0 && server < this.serverHead.length;
  }

  private unlinkFromChunk(record: number, before: number): void {
    const chunk = this.records[record + CHUNK] as number;
    const next = this.records[record + NEXT_IN_CHUNK] as number;
    if (before === NONE) this.chunkHead[chunk] = next;
    else this.records[before + NEXT_IN_CHUNK] = next;
    const left = (this.chunkReplicas[chunk] as number) - 1;
    this.chunkReplicas[chunk] = left;
    if (left === 0) this.chunkLastHolder[chunk] = this.records[record + SERVER] as number;
  }

  private unlinkFromServer(record: number): void {
    const records = this.records;
    const server = records[record + SERVER] as number;
    const prev = records[record + PREV_IN_SERVER] as number;
    const next = records[record + NEXT_IN_SERVER] as number;
    if (prev === NONE) this.serverHead[server] = next;
    else records[prev + NEXT_IN_SERVER] = next;
    if (next === NONE) this.serverTail[server] = prev;
    else records[next + PREV_IN_SERVER] = prev;
    this.serverReplicas[server] = (this.serverReplicas[server] as number) - 1;
  }

  /** Returns a free record's offset, growing the store when none is left. */
  private allocate(): number {
    const free = this.freeRecord;
    if (free !== NONE) {
      this.freeRecord = this.records[free + NEXT_IN_CHUNK] as number;
      return free;
    }
    const r = this.recordsUsed * STRIDE;
    if (r >= this.records.length) this.records = grown(this.records, r + STRIDE, 0, STRIDE);
    this.recordsUsed++;
    return r;
  }

  private release(record: number): void {
    this.records[record + NEXT_IN_CHUNK] = this.freeRecord;
    this.freeRecord = record;
    this.replicaCount--;
  }

  private growChunks(id: number): void {
    this.chunkHead = grown(this.chunkHead, id + 1, NONE);
    this.chunkReplicas = grown(this.chunkReplicas, id + 1, 0);
    this.chunkLastHolder = grown(this.chunkLastHolder, id + 1, NONE);
  }

  private growServers(server: number): void {
    this.serverHead = grown(this.serverHead, server + 1, NONE);
    this.serverTail = grown(this.serverTail, server + 1, NONE);
    this.serverReplicas = grown(this.serverReplicas, server + 1, 0);
  }
}

function filled(length: number, value: number): Int32Array {
  return new Int32Array(length).fill(value);
}

/**
 * A copy at least `minLength` long, filled past the old end with `fill`.
 * Grows by half (not double) so the slack stays small at millions of records.
 */
function grown(array: Int32Array, minLength: number, fill: number, unit = 1): Int32Array {
  let length = array.length;
  while (length < minLength) length += Math.ceil((length >> 1) / unit) * unit;
  const copy = new Int32Array(length);
  copy.set(array);
  if (fill !== 0) copy.fill(fill, array.length);
  return copy;
}
