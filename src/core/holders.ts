/**
 * Each chunk's holders, in the order they were added: the server, and the
 * offset of that replica's record in ReplicaMap. The first INLINE of them
 * sit in the chunk's own record, 32 bytes, so a chunk's holders are read in
 * one cache line: at 33M chunks, walking a list of replica records instead
 * cost a cache and TLB miss per holder (about 300 ns each here), and every
 * replica gained or lost walks it. Holders past INLINE (a chunk over target
 * RF while copies and deletes settle) go on an overflow list.
 *
 * A chunk with no holder keeps, in the first holder's slot, the server
 * that held its last replica (NONE if none ever did, or once cleared).
 */
import { filled, grown } from './arrays.js';

const NONE = -1;
const INLINE = 3;
/** A chunk's record: COUNT, OVERFLOW (its first overflow node), then INLINE (server, record) pairs. */
const CHUNK_RECORD = [0, NONE, NONE, NONE, NONE, NONE, NONE, NONE];
const SLOTS = CHUNK_RECORD.length;
const COUNT = 0;
const OVERFLOW = 1;
const PAIRS = 2;
/** An overflow node: NODE_SERVER, NODE_RECORD, NODE_NEXT. */
const NODE_SLOTS = 3;
const NODE_SERVER = 0;
const NODE_RECORD = 1;
const NODE_NEXT = 2;

export class ChunkHolders {
  private cells: Int32Array = filled(64 * SLOTS, CHUNK_RECORD);
  private nodes: Int32Array = new Int32Array(16 * NODE_SLOTS);
  private nodesUsed = 0;
  private freeNode = NONE;

  /** Makes room for chunk ids up to `chunk`. */
  fit(chunk: number): void {
    if (chunk * SLOTS >= this.cells.length) this.cells = grown(this.cells, (chunk + 1) * SLOTS, CHUNK_RECORD);
  }

  count(chunk: number): number {
    return this.cells[chunk * SLOTS + COUNT] as number;
  }

  /** The k-th holder's server (k below count). */
  serverAt(chunk: number, k: number): number {
    return k < INLINE ? (this.cells[chunk * SLOTS + PAIRS + 2 * k] as number) : (this.nodes[this.nodeAt(chunk, k) + NODE_SERVER] as number);
  }

  /** The k-th holder's replica record (k below count). */
  recordAt(chunk: number, k: number): number {
    return k < INLINE ? (this.cells[chunk * SLOTS + PAIRS + 2 * k + 1] as number) : (this.nodes[this.nodeAt(chunk, k) + NODE_RECORD] as number);
  }

  /** Where the server is among the chunk's holders, or -1. */
  indexOf(chunk: number, server: number): number {
    const at = chunk * SLOTS;
    const count = this.cells[at + COUNT] as number;
    const inline = count < INLINE ? count : INLINE;
    for (let k = 0; k < inline; k++) if (this.cells[at + PAIRS + 2 * k] === server) return k;
    let k = INLINE;
    for (let node = this.cells[at + OVERFLOW] as number; node !== NONE; node = this.nodes[node + NODE_NEXT] as number, k++) {
      if (this.nodes[node + NODE_SERVER] === server) return k;
    }
    return NONE;
  }

  /** Appends a holder (one the chunk does not have yet). */
  add(chunk: number, server: number, record: number): void {
    const at = chunk * SLOTS;
    const count = this.cells[at + COUNT] as number;
    this.cells[at + COUNT] = count + 1;
    if (count < INLINE) {
      this.cells[at + PAIRS + 2 * count] = server;
      this.cells[at + PAIRS + 2 * count + 1] = record;
      return;
    }
    const node = this.allocateNode(server, record);
    if (count === INLINE) this.cells[at + OVERFLOW] = node;
    else this.nodes[this.nodeAt(chunk, count - 1) + NODE_NEXT] = node;
  }

  /** Removes the k-th holder (k below count), keeping the others in order; returns its record. */
  removeAt(chunk: number, k: number): number {
    const at = chunk * SLOTS;
    const count = this.cells[at + COUNT] as number;
    const server = this.serverAt(chunk, k);
    const record = this.recordAt(chunk, k);
    this.cells[at + COUNT] = count - 1;
    if (k >= INLINE) {
      const node = this.nodeAt(chunk, k);
      const after = this.nodes[node + NODE_NEXT] as number;
      if (k === INLINE) this.cells[at + OVERFLOW] = after;
      else this.nodes[this.nodeAt(chunk, k - 1) + NODE_NEXT] = after;
      this.releaseNode(node);
      return record;
    }
    const inline = count < INLINE ? count : INLINE;
    this.cells.copyWithin(at + PAIRS + 2 * k, at + PAIRS + 2 * k + 2, at + PAIRS + 2 * inline);
    const first = this.cells[at + OVERFLOW] as number;
    if (first !== NONE) {
      // The first overflow holder moves into the last inline pair: the order stays as added.
      this.cells[at + PAIRS + 2 * (INLINE - 1)] = this.nodes[first + NODE_SERVER] as number;
      this.cells[at + PAIRS + 2 * (INLINE - 1) + 1] = this.nodes[first + NODE_RECORD] as number;
      this.cells[at + OVERFLOW] = this.nodes[first + NODE_NEXT] as number;
      this.releaseNode(first);
    } else if (count === 1) this.cells[at + PAIRS] = server;
    return record;
  }

  /** The server that held the chunk's last replica, while it has none; NONE otherwise. */
  lastHolder(chunk: number): number {
    return this.count(chunk) === 0 ? (this.cells[chunk * SLOTS + PAIRS] as number) : NONE;
  }

  /** The chunk id is being freed: it keeps no last holder for its next use. */
  clearLastHolder(chunk: number): void {
    if (this.count(chunk) === 0) this.cells[chunk * SLOTS + PAIRS] = NONE;
  }

  private nodeAt(chunk: number, k: number): number {
    let node = this.cells[chunk * SLOTS + OVERFLOW] as number;
    for (let skip = k - INLINE; skip > 0; skip--) node = this.nodes[node + NODE_NEXT] as number;
    return node;
  }

  private allocateNode(server: number, record: number): number {
    let node = this.freeNode;
    if (node !== NONE) this.freeNode = this.nodes[node + NODE_NEXT] as number;
    else {
      node = this.nodesUsed * NODE_SLOTS;
      if (node >= this.nodes.length) this.nodes = grown(this.nodes, node + NODE_SLOTS, 0, NODE_SLOTS);
      this.nodesUsed++;
    }
    this.nodes[node + NODE_SERVER] = server;
    this.nodes[node + NODE_RECORD] = record;
    this.nodes[node + NODE_NEXT] = NONE;
    return node;
  }

  private releaseNode(node: number): void {
    this.nodes[node + NODE_NEXT] = this.freeNode;
    this.freeNode = node;
  }
}
