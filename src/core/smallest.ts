import type { UnderReplicated } from './types.js';

/** A bounded max-heap by handle: keeps the `capacity` smallest entries offered. */
export class LargestOnTop {
  private readonly heap: UnderReplicated[] = [];

  constructor(private readonly capacity: number) {}

  wouldTake(handle: string): boolean {
    return this.heap.length < this.capacity || handle < (this.heap[0] as UnderReplicated).chunk;
  }

  /** Only after wouldTake() said yes. */
  offer(entry: UnderReplicated): void {
    const heap = this.heap;
    if (heap.length < this.capacity) {
      heap.push(entry);
      this.siftUp(heap.length - 1);
    } else {
      heap[0] = entry;
      this.siftDown(0);
    }
  }

  sorted(): UnderReplicated[] {
    return this.heap.sort((a, b) => (a.chunk < b.chunk ? -1 : 1));
  }

  private siftUp(at: number): void {
    const heap = this.heap;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if ((heap[parent] as UnderReplicated).chunk >= (heap[at] as UnderReplicated).chunk) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let largest = at;
      if (left < heap.length && (heap[left] as UnderReplicated).chunk > (heap[largest] as UnderReplicated).chunk) largest = left;
      if (right < heap.length && (heap[right] as UnderReplicated).chunk > (heap[largest] as UnderReplicated).chunk) largest = right;
      if (largest === at) return;
      this.swap(at, largest);
      at = largest;
    }
  }

  private swap(a: number, b: number): void {
    const heap = this.heap;
    const first = heap[a] as UnderReplicated;
    heap[a] = heap[b] as UnderReplicated;
    heap[b] = first;
  }
}
