interface Entry {
  at: number;
  seq: number;
  run: () => void;
}

/** Virtual-time event queue; ties run in the order they were scheduled, so runs are reproducible. */
export class Agenda {
  private readonly heap: Entry[] = [];
  private seq = 0;
  now = 0;

  get size(): number {
    return this.heap.length;
  }

  at(time: number, run: () => void): void {
    this.heap.push({ at: Math.max(time, this.now), seq: this.seq++, run });
    this.up(this.heap.length - 1);
  }

  after(delay: number, run: () => void): void {
    this.at(this.now + delay, run);
  }

  /** Runs the next event if it is due by `until`; false when none is. */
  step(until: number): boolean {
    const first = this.heap[0];
    if (first === undefined || first.at > until) return false;
    const last = this.heap.pop() as Entry;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    this.now = first.at;
    first.run();
    return true;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a] as Entry;
    const y = this.heap[b] as Entry;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private up(at: number): void {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(at, parent)) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private down(at: number): void {
    for (;;) {
      const left = 2 * at + 1;
      let least = at;
      if (left < this.heap.length && this.less(left, least)) least = left;
      if (left + 1 < this.heap.length && this.less(left + 1, least)) least = left + 1;
      if (least === at) return;
      this.swap(at, least);
      at = least;
    }
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a] as Entry;
    this.heap[a] = this.heap[b] as Entry;
    this.heap[b] = x;
  }
}
