import type { Etcd3 } from 'etcd3';
import { connectEtcd, deadlineIn, withTimeout } from './etcd.js';
import type { KeyChange } from './key-table.js';
import { PrefixMirror } from './mirror.js';

export type IntentKind = 'drain' | 'forget';

/** An operator's drain or forget of a server, as every master applies it. */
export interface Intent {
  kind: IntentKind;
  server: string;
}

/**
 * etcd did not take the intent in time: the HTTP layer answers 503 and this
 * master applies nothing of it. An etcd that was only slow may still take it
 * later, and then every master applies it: the operator's retry is harmless.
 */
export class IntentUnavailableError extends Error {
  override name = 'IntentUnavailableError';
}

export interface IntentOptions {
  endpoints: readonly string[];
  prefix: string;
  /** Written with each intent, for whoever reads etcd by hand. */
  masterId: string;
  /** Called on every master, the writer's too, for each intent written (and, at start, each drain still held). */
  apply: (intent: Intent) => void;
  /** How long write() waits for etcd (2 s). */
  writeTimeoutMs?: number;
}

const KINDS: readonly IntentKind[] = ['drain', 'forget'];
const WRITE_TIMEOUT_MS = 2000;
/**
 * How long a forget stays in etcd. A forget is one-shot: it names a server
 * dead now, and a master that met the server again later (it came back and
 * died anew) must not forget it on an old word. So its key lives under a
 * lease nobody renews. The minute is for a master cut from etcd meanwhile:
 * the read it starts over with when back still finds it. A master starting
 * within the minute gets it too, harmlessly: it knows no server yet.
 * Deleting the key right after writing it would lean on every watch seeing
 * the put before the delete, and leave it for good if the writer died between.
 */
export const FORGET_TTL_SECONDS = 60;

/** `<prefix>intent/<kind>/<server>` (a server id may hold slashes: all after the kind is the id). */
export function intentKey(prefix: string, intent: Intent): string {
  return `${prefix}intent/${intent.kind}/${intent.server}`;
}

export function intentOfKey(prefix: string, key: string): Intent | undefined {
  const rest = key.startsWith(`${prefix}intent/`) ? key.slice(`${prefix}intent/`.length) : undefined;
  const slash = rest?.indexOf('/') ?? -1;
  if (rest === undefined || slash < 1 || slash === rest.length - 1) return undefined;
  const kind = rest.slice(0, slash) as IntentKind;
  return KINDS.includes(kind) ? { kind, server: rest.slice(slash + 1) } : undefined;
}

/**
 * Operator intent kept in etcd (CONTRACT 10), so it outlives the master that
 * took it: a drain stays for good (a server stays draining), and a master
 * that starts later applies it from its first read; the caller remembers a
 * drain of a server it does not know yet. Applying is idempotent in the
 * core, so an intent told twice (written twice, read again) is harmless.
 */
export class IntentLog {
  private readonly client: Etcd3;
  private readonly mirror: PrefixMirror;
  private readonly writeTimeoutMs: number;

  constructor(private readonly options: IntentOptions) {
    this.client = connectEtcd(options.endpoints);
    this.writeTimeoutMs = options.writeTimeoutMs ?? WRITE_TIMEOUT_MS;
    this.mirror = new PrefixMirror(this.client, `${options.prefix}intent/`, (changes) => this.changed(changes));
  }

  /** Reads what is held and watches for more, in the background (trying again while etcd is away). */
  start(): void {
    this.mirror.start();
  }

  /** Whether the intents held were read once: before that, a drain held may not have been applied yet. */
  get ready(): boolean {
    return this.mirror.ready;
  }

  /** The servers a drain is held for, as last read: for a master meeting a server it had no record of when told. */
  drains(): string[] {
    return [...this.mirror.table.values()].flatMap((entry) => {
      const intent = intentOfKey(this.options.prefix, entry.key);
      return intent?.kind === 'drain' ? [intent.server] : [];
    });
  }

  /** Writes the intent to etcd; applied from the watch like anyone's. Rejects with IntentUnavailableError when etcd does not take it in time. */
  async write(kind: IntentKind, server: string): Promise<void> {
    const key = intentKey(this.options.prefix, { kind, server });
    const value = JSON.stringify({ at: new Date().toISOString(), master_id: this.options.masterId });
    const deadline = deadlineIn(this.writeTimeoutMs);
    const put: Promise<unknown> = kind === 'drain' ? this.client.put(key).value(value).options(deadline).exec() : this.putForget(key, value, deadline);
    try {
      await withTimeout(put, this.writeTimeoutMs, () => new Error(`no answer in ${this.writeTimeoutMs} ms`));
    } catch (error) {
      throw new IntentUnavailableError(`etcd did not take the ${kind} of ${server}: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.mirror.close();
    this.client.close();
  }

  private async putForget(key: string, value: string, deadline: { deadline: Date }): Promise<void> {
    const lease = this.client.lease(FORGET_TTL_SECONDS, { autoKeepAlive: false, ...deadline });
    try {
      await lease.put(key).value(value).options(deadline).exec();
    } finally {
      lease.release();
    }
  }

  /** A put is an intent told; a delete (a forget's lease ran out, a key removed by hand) undoes nothing. */
  private changed(changes: readonly KeyChange[]): void {
    for (const change of changes) {
      if (change.type !== 'put') continue;
      const intent = intentOfKey(this.options.prefix, change.entry.key);
      if (intent !== undefined) this.options.apply(intent);
    }
  }
}
