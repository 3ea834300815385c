/**
 * One instruction the master has planned: `owner` is the server whose
 * heartbeat reply carries it (the copy source, or the server told to delete);
 * `peer` is the copy target, or -1 for a delete. `deadline` is Infinity for
 * an instruction that never times out.
 */
export interface Instruction {
  readonly chunk: number;
  readonly owner: number;
  readonly peer: number;
  readonly deadline: number;
  delivered: boolean;
  /** When it went out in a reply; -1 before. */
  deliveredAt: number;
  open: boolean;
}

/**
 * Instructions planned but not yet confirmed by a chunk report. Each is
 * indexed by chunk, by the servers involved and by deadline, so every
 * question the planner asks costs time in the few instructions involved,
 * never in the number of chunks.
 */
export class PendingInstructions {
  private readonly byChunk = new Map<number, Instruction[]>();
  private readonly byServer = new Map<number, Set<Instruction>>();
  private readonly undelivered = new Map<number, Instruction[]>();
  private readonly ownerLoad = new Map<number, number>();
  private readonly peerLoad = new Map<number, number>();
  /** Every deadline is created `timeout` after its planning time, so creation order is deadline order. */
  private timeline: Instruction[] = [];
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(chunk: number, owner: number, peer: number, deadline: number): Instruction {
    const item: Instruction = { chunk, owner, peer, deadline, delivered: false, deliveredAt: -1, open: true };
    push(this.byChunk, chunk, item);
    push(this.undelivered, owner, item);
    this.link(owner, item);
    bump(this.ownerLoad, owner, 1);
    if (peer >= 0) {
      this.link(peer, item);
      bump(this.peerLoad, peer, 1);
    }
    if (Number.isFinite(deadline)) this.timeline.push(item);
    this.count++;
    return item;
  }

  forChunk(chunk: number): readonly Instruction[] {
    return this.byChunk.get(chunk) ?? [];
  }

  ownerLoadOf(server: number): number {
    return this.ownerLoad.get(server) ?? 0;
  }

  peerLoadOf(server: number): number {
    return this.peerLoad.get(server) ?? 0;
  }

  /** Open instructions a server is part of, as owner or as peer. */
  of(server: number): Instruction[] {
    return [...(this.byServer.get(server) ?? [])];
  }

  /** Hands over up to `limit` of a server's undelivered instructions, once each. */
  takeUndelivered(owner: number, now: number, limit = Infinity): Instruction[] {
    const list = this.undelivered.get(owner);
    if (list === undefined) return [];
    const open = list.filter((item) => item.open);
    const taken = open.slice(0, limit);
    if (taken.length < open.length) this.undelivered.set(owner, open.slice(taken.length));
    else this.undelivered.delete(owner);
    for (const item of taken) {
      item.delivered = true;
      item.deliveredAt = now;
    }
    return taken;
  }

  /** Closes the open instruction for this chunk whose owner (by=owner) or peer matches. */
  confirm(chunk: number, server: number, by: 'owner' | 'peer'): boolean {
    const list = this.byChunk.get(chunk);
    const item = list?.find((i) => (by === 'owner' ? i.owner : i.peer) === server);
    if (item === undefined) return false;
    this.close(item);
    return true;
  }

  /** Closes everything a server is part of; returns the chunks concerned. */
  dropServer(server: number): number[] {
    const items = [...(this.byServer.get(server) ?? [])];
    for (const item of items) this.close(item);
    this.undelivered.delete(server);
    return items.map((item) => item.chunk);
  }

  /** Closes instructions past their deadline; returns the chunks concerned. */
  expire(now: number): number[] {
    const chunks: number[] = [];
    while (this.head < this.timeline.length) {
      const item = this.timeline[this.head] as Instruction;
      if (item.open && item.deadline > now) break;
      this.head++;
      if (!item.open) continue;
      this.close(item);
      chunks.push(item.chunk);
    }
    if (this.head > 1024 && this.head * 2 > this.timeline.length) {
      this.timeline = this.timeline.slice(this.head);
      this.head = 0;
    }
    return chunks;
  }

  nextDeadline(): number | undefined {
    while (this.head < this.timeline.length && !(this.timeline[this.head] as Instruction).open) this.head++;
    return this.timeline[this.head]?.deadline;
  }

  close(item: Instruction): void {
    if (!item.open) return;
    item.open = false;
    this.count--;
    pull(this.byChunk, item.chunk, item);
    this.unlink(item.owner, item);
    bump(this.ownerLoad, item.owner, -1);
    if (item.peer >= 0) {
      this.unlink(item.peer, item);
      bump(this.peerLoad, item.peer, -1);
    }
  }

  private link(server: number, item: Instruction): void {
    let set = this.byServer.get(server);
    if (set === undefined) this.byServer.set(server, (set = new Set()));
    set.add(item);
  }

  private unlink(server: number, item: Instruction): void {
    const set = this.byServer.get(server);
    set?.delete(item);
    if (set?.size === 0) this.byServer.delete(server);
  }
}

function push(map: Map<number, Instruction[]>, key: number, item: Instruction): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [item]);
  else list.push(item);
}

function pull(map: Map<number, Instruction[]>, key: number, item: Instruction): void {
  const list = map.get(key);
  if (list === undefined) return;
  const at = list.indexOf(item);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) map.delete(key);
}

function bump(map: Map<number, number>, key: number, by: number): void {
  const value = (map.get(key) ?? 0) + by;
  if (value === 0) map.delete(key);
  else map.set(key, value);
}
