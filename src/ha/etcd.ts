import { Etcd3, type IKeyValue } from 'etcd3';
import type { KeyEntry } from './key-table.js';

/** A client of the etcd cluster at `endpoints` (http://host:port each, as --etcd lists them). */
export function connectEtcd(endpoints: readonly string[]): Etcd3 {
  if (endpoints.length === 0) throw new Error('no etcd endpoint given');
  return new Etcd3({ hosts: [...endpoints] });
}

export function entryOf(kv: IKeyValue): KeyEntry {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

/**
 * gRPC call options that give up after `ms`. An etcd that accepts
 * connections but answers nothing (a paused member) would hold a call with
 * no deadline forever.
 */
export function deadlineIn(ms: number): { deadline: Date } {
  return { deadline: new Date(Date.now() + ms) };
}

/** `work`, or `timedOut()` thrown after `ms` if it has not settled by then. */
export async function withTimeout<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  try {
    return await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `work` at most `ms`, whatever it does: for clean-ups that must not hold a shutdown. */
export async function atMost(work: Promise<unknown>, ms: number): Promise<void> {
  await withTimeout(work, ms, () => new Error('timed out')).catch(() => undefined);
}
