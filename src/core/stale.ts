/** Stale: no full report since promotion. Reported: one is in, the heartbeat after it not yet. */
const STALE = 1;
const REPORTED = 2;

/**
 * Servers a new leader has yet to hear a full report from (CONTRACT 10). The
 * map it inherited as a follower may miss deletes the old leader handed out,
 * so until every server live at promotion has reported in full, a replica it
 * counts may be gone and an excess one deleted would leave a chunk short.
 * HDFS marks every DataNode stale after a failover for the same reason. A
 * server first heard, or back from the dead, at any time in the term joins
 * the wait: the old leader may have handed it a delete too (the simulator
 * found one that came back after the others had all reported). One that
 * dies leaves it (its replicas no longer count). Copies are safe meanwhile:
 * a short count only makes one too many, which a later delete takes back.
 *
 * A full report is the disk as it was when the report began: a delete the
 * old leader handed out meanwhile reaches the master in the server's next
 * heartbeat, as a change. So a server leaves the wait at its first heartbeat
 * after its report, once that heartbeat's changes are in (the simulator
 * found a new leader deleting a second copy in between).
 */
export class StaleServers {
  private readonly state: number[] = [];
  private count = 0;
  /** Set by a promotion: this term began with a map another leader's deletes may have outdated. */
  private tracking = false;

  /** While true, no delete is planned. */
  get holding(): boolean {
    return this.count > 0;
  }

  /** Opens the window with every server live at promotion. */
  open(live: Iterable<number>): void {
    this.close();
    this.tracking = true;
    for (const server of live) this.mark(server);
  }

  /** A server registered or revived: in a term begun by promotion, it must report too. */
  joined(server: number): void {
    if (this.tracking) this.mark(server);
  }

  /** Its full report is in: the heartbeat after it ends its wait. */
  reported(server: number): void {
    if (this.state[server] === STALE) this.state[server] = REPORTED;
  }

  /** Whether its report is in and this heartbeat, once applied, ends its wait. */
  awaitsBeat(server: number): boolean {
    return this.state[server] === REPORTED;
  }

  /** It is out of the wait: its heartbeat after its report was applied, or it died. */
  cleared(server: number): void {
    if (this.state[server] === undefined || this.state[server] === 0) return;
    this.state[server] = 0;
    this.count--;
  }

  close(): void {
    this.state.length = 0;
    this.count = 0;
    this.tracking = false;
  }

  private mark(server: number): void {
    if (this.state[server] === STALE) return;
    if (this.state[server] !== REPORTED) this.count++;
    this.state[server] = STALE;
  }
}
