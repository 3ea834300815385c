/**
 * The chunk side of the location map: handle <-> dense id, and for each chunk
 * the live servers holding it. Ids are dense so per-chunk data can live in
 * arrays instead of one object per chunk.
 */
export class ChunkTable {
  private readonly idsByHandle = new Map<string, number>();
  private readonly handles: string[] = [];
  /** chunk id -> indices of live servers holding it (small: about RF entries). */
  private readonly holders: number[][] = [];

  get size(): number {
    return this.handles.length;
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

  handleOf(id: number): string {
    return this.handles[id] as string;
  }

  holdersOf(id: number): readonly number[] {
    return this.holders[id] ?? [];
  }

  liveReplicas(id: number): number {
    return this.holders[id]?.length ?? 0;
  }

  addHolder(id: number, server: number): void {
    (this.holders[id] as number[]).push(server);
  }

  removeHolder(id: number, server: number): void {
    const list = this.holders[id] as number[];
    const at = list.indexOf(server);
    if (at < 0) return;
    list[at] = list[list.length - 1] as number;
    list.pop();
  }
}
