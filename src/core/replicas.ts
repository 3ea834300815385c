/**
 * The chunk location map, both ways: chunk -> servers holding it and
 * server -> chunks it holds. Chunks and servers are dense integer ids so the
 * layout behind this API can be made compact without touching its users.
 * Only replicas that count (on live servers) are stored.
 */
export class ReplicaMap {
  private readonly idsByHandle = new Map<string, number>();
  private readonly handles: string[] = [];
  /** chunk id -> server ids holding it (small: about RF entries). */
  private readonly holders: number[][] = [];
  /** server id -> chunk ids it holds. */
  private readonly held: Set<number>[] = [];
  private replicaCount = 0;

  /** Number of distinct chunk handles ever seen. */
  get chunkCount(): number {
    return this.handles.length;
  }

  /** Number of replicas stored (each counts one chunk on one live server). */
  get size(): number {
    return this.replicaCount;
  }

  idOf(handle: string): number | undefined {
    return this.idsByHandle.get(handle);
  }

  intern(handle: string): number {
    let id = this.idsByHandle.get(handle);
    if (id === undefined) {
      id = this.handles.length;
      this.idsByHandle.set(handle, id);
      this.handles.push(handle);
      this.holders.push([]);
    }
    return id;
  }

  handleOf(chunk: number): string {
    return this.handles[chunk] as string;
  }

  holdersOf(chunk: number): readonly number[] {
    return this.holders[chunk] ?? [];
  }

  replicasOf(chunk: number): number {
    return this.holders[chunk]?.length ?? 0;
  }

  chunksOf(server: number): Iterable<number> {
    return this.held[server] ?? [];
  }

  countOf(server: number): number {
    return this.held[server]?.size ?? 0;
  }

  holds(server: number, chunk: number): boolean {
    return this.held[server]?.has(chunk) ?? false;
  }

  /** Adds a replica; false when it was already there. */
  add(server: number, chunk: number): boolean {
    const set = (this.held[server] ??= new Set());
    if (set.has(chunk)) return false;
    set.add(chunk);
    (this.holders[chunk] as number[]).push(server);
    this.replicaCount++;
    return true;
  }

  /** Removes a replica; false when it was not there. */
  remove(server: number, chunk: number): boolean {
    if (!this.held[server]?.delete(chunk)) return false;
    const list = this.holders[chunk] as number[];
    const at = list.indexOf(server);
    list[at] = list[list.length - 1] as number;
    list.pop();
    this.replicaCount--;
    return true;
  }

  /** Drops every replica of a server; returns the chunks it held. */
  removeServer(server: number): number[] {
    const chunks = [...this.chunksOf(server)];
    for (const chunk of chunks) this.remove(server, chunk);
    return chunks;
  }
}
