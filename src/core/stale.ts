/**
 * Servers a new leader has yet to hear a full report from (CONTRACT 10). The
 * map it inherited as a follower may miss deletes the old leader handed out,
 * so until every server live at promotion has reported in full, a replica it
 * counts may be gone and an excess one deleted would leave a chunk short.
 * HDFS marks every DataNode stale after a failover for the same reason. A
 * server heard from while the window is open joins it; one that dies leaves
 * it (its replicas no longer count). Copies are safe meanwhile: a short count
 * only makes one too many, which a later delete takes back.
 */
export class StaleServers {
  private readonly stale: boolean[] = [];
  private count = 0;

  /** While true, no delete is planned. */
  get holding(): boolean {
    return this.count > 0;
  }

  /** Opens the window with every server live at promotion. */
  open(live: Iterable<number>): void {
    this.close();
    for (const server of live) this.mark(server);
  }

  /** A server registered or revived: it must report too, while the window is open. */
  joined(server: number): void {
    if (this.count > 0) this.mark(server);
  }

  /** It delivered a full report, or died. */
  cleared(server: number): void {
    if (this.stale[server] !== true) return;
    this.stale[server] = false;
    this.count--;
  }

  close(): void {
    this.stale.length = 0;
    this.count = 0;
  }

  private mark(server: number): void {
    if (this.stale[server] === true) return;
    this.stale[server] = true;
    this.count++;
  }
}
