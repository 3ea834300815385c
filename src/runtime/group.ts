/** One master of a group, as GET /leader lists it. */
export interface Member {
  master_id: string;
  url: string;
}

/** Operator intent every master of a group applies (CONTRACT 10). */
export type IntentKind = 'drain' | 'forget';

/**
 * A master among several, as the transports see it: who it is, who else is
 * there, and the one way operator intent is applied, through the shared
 * store, so that it survives the loss of the master that took it.
 */
export interface MasterGroup {
  readonly masterId: string;
  /** The members last seen in the store, this one included. */
  members(): readonly Member[];
  /** Records the intent for every master to apply; rejects when the store cannot be reached. */
  intend(kind: IntentKind, server: string): Promise<void>;
}
