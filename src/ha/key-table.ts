/** One key under a watched prefix. Revisions are etcd's, which fit a double for any store's life. */
export interface KeyEntry {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
}

export type KeyChange = { type: 'put'; entry: KeyEntry } | { type: 'delete'; entry: KeyEntry };

/**
 * A prefix's keys as they stand, kept from a watch's events and whole reads
 * of the prefix that may cross them in flight (a read answered after an
 * event it predates, a watch replaying from before a read). Each key keeps
 * its last known revision, deleted keys too (a tombstone: a handful per
 * failover or forget, small for a daemon's life), so whatever arrives late
 * changes nothing and each real change is told once.
 */
export class KeyTable {
  private readonly entries = new Map<string, KeyEntry>();
  /** Deleted key -> the revision up to which a put of it is old news. */
  private readonly tombstones = new Map<string, number>();

  get(key: string): KeyEntry | undefined {
    return this.entries.get(key);
  }

  values(): IterableIterator<KeyEntry> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }

  /** A put seen: a change unless the key is known at this revision or later. */
  put(entry: KeyEntry): KeyChange | undefined {
    const known = this.entries.get(entry.key)?.modRevision ?? this.tombstones.get(entry.key) ?? 0;
    if (entry.modRevision <= known) return undefined;
    this.tombstones.delete(entry.key);
    this.entries.set(entry.key, entry);
    return { type: 'put', entry };
  }

  /**
   * A delete seen at `revision`: a change unless the key was put again since.
   * A known key's tombstone keeps its last put, so a put we missed before the
   * delete (a watch replaying a gap) is still told; an unknown key's refuses
   * every older put, which only a read crossing the delete can bring.
   */
  delete(key: string, revision: number): KeyChange | undefined {
    const known = this.entries.get(key);
    if (known === undefined) {
      this.tombstones.set(key, Math.max(this.tombstones.get(key) ?? 0, revision - 1));
      return undefined;
    }
    if (known.modRevision >= revision) return undefined;
    this.entries.delete(key);
    this.tombstones.set(key, known.modRevision);
    return { type: 'delete', entry: known };
  }

  /**
   * The whole prefix as read at `revision`: what it holds is put, and what
   * it lacks was deleted by then, unless we saw it put after the read.
   */
  sync(snapshot: readonly KeyEntry[], revision: number): KeyChange[] {
    const changes: KeyChange[] = [];
    const present = new Set<string>();
    for (const entry of snapshot) {
      present.add(entry.key);
      const change = this.put(entry);
      if (change !== undefined) changes.push(change);
    }
    for (const entry of [...this.entries.values()]) {
      if (present.has(entry.key) || entry.modRevision > revision) continue;
      const change = this.delete(entry.key, revision);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  }
}
