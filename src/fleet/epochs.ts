/**
 * The chunk server's side of the epoch rule (CONTRACT 10): with several
 * masters, act only on instructions from a reply whose epoch is the highest
 * seen from any master. A leader paused past its lease wakes up believing it
 * still leads; its replies carry the old epoch, and a server that has heard a
 * newer one from the new leader (or a follower of it) ignores them. Pure and
 * dependency-free, so a chunk server's author can copy it whole.
 */
export class EpochGate {
  /** The highest epoch any master's reply has carried; undefined until one does. */
  private highest: number | undefined;

  /**
   * Whether to carry out the instructions of a reply with `epoch`; an admitted
   * epoch becomes the highest. A reply without one comes from a master not in
   * HA mode: obeyed while no master has shown an epoch (one master, as
   * before), refused after, since such a master would instruct beside the leader.
   */
  admit(epoch: number | undefined): boolean {
    if (epoch === undefined) return this.highest === undefined;
    if (this.highest !== undefined && epoch < this.highest) return false;
    this.highest = epoch;
    return true;
  }

  /** The highest epoch seen, if any. */
  get seen(): number | undefined {
    return this.highest;
  }
}
