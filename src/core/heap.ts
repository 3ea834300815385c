/**
 * Indexed binary min-heap of (key, deadline). Each key appears at most once, so
 * rescheduling a server moves its one entry instead of piling up stale ones.
 * Keys index an array, so they should be small non-negative integers that
 * get reused (server indexes; the simulator's agenda recycles its slots).
 */
export class DeadlineHeap {
  private readonly keys: number[] = [];
  private readonly deadlines: number[] = [];
  /** key -> position in the arrays, or -1 when absent. */
  private readonly positions: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  has(key: number): boolean {
    return (this.positions[key] ?? -1) >= 0;
  }

  /** The key's deadline, or undefined when it is absent. */
  deadlineOf(key: number): number | undefined {
    const at = this.positions[key] ?? -1;
    return at < 0 ? undefined : this.deadlines[at];
  }

  peekDeadline(): number | undefined {
    return this.deadlines[0];
  }

  set(key: number, deadline: number): void {
    const at = this.positions[key] ?? -1;
    if (at < 0) {
      this.keys.push(key);
      this.deadlines.push(deadline);
      this.positions[key] = this.keys.length - 1;
      this.siftUp(this.keys.length - 1);
      return;
    }
    const before = this.deadlines[at] as number;
    this.deadlines[at] = deadline;
    if (deadline < before) this.siftUp(at);
    else this.siftDown(at);
  }

  delete(key: number): void {
    const at = this.positions[key] ?? -1;
    if (at < 0) return;
    const last = this.keys.length - 1;
    this.swap(at, last);
    this.keys.pop();
    this.deadlines.pop();
    this.positions[key] = -1;
    if (at < last) {
      this.siftUp(at);
      this.siftDown(at);
    }
  }

  /** Removes and returns the key with the earliest deadline. */
  pop(): number | undefined {
    const key = this.keys[0];
    if (key !== undefined) this.delete(key);
    return key;
  }

  private siftUp(at: number): void {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if ((this.deadlines[parent] as number) <= (this.deadlines[at] as number)) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const n = this.keys.length;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let least = at;
      if (left < n && (this.deadlines[left] as number) < (this.deadlines[least] as number)) least = left;
      if (right < n && (this.deadlines[right] as number) < (this.deadlines[least] as number)) least = right;
      if (least === at) return;
      this.swap(at, least);
      at = least;
    }
  }

  private swap(a: number, b: number): void {
    if (a === b) return;
    const ka = this.keys[a] as number;
    const kb = this.keys[b] as number;
    const da = this.deadlines[a] as number;
    this.keys[a] = kb;
    this.keys[b] = ka;
    this.deadlines[a] = this.deadlines[b] as number;
    this.deadlines[b] = da;
    this.positions[kb] = a;
    this.positions[ka] = b;
  }
}
