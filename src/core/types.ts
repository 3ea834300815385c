export type Health = 'healthy' | 'degraded' | 'read_only';
export type ServerStatus = 'alive' | 'dead' | 'draining';

/** One part of a split full report (CONTRACT 9): 0 <= part < parts <= 10000. */
export interface ReportPart {
  id: string;
  part: number;
  parts: number;
}

export interface HeartbeatInput {
  server: string;
  /** A full chunk list; with `report`, one part of a split full report. undefined: none. */
  chunks?: readonly string[] | undefined;
  report?: ReportPart | undefined;
  /**
   * Incremental report: handles gained / lost since the last accepted
   * heartbeat. Never given with `chunks` (the protocol refuses that mix).
   */
  chunksAdded?: readonly string[] | undefined;
  chunksRemoved?: readonly string[] | undefined;
  diskUsagePct?: number | undefined;
  health?: Health | undefined;
}

export interface ReplicateInstruction {
  chunk: string;
  target: string;
}

/** A master's part among several (CONTRACT 10): only the leader gives instructions. */
export type Role = 'leader' | 'follower';

/** What a reply says of the group of masters: this master's role, the leader's term and its URL (null while there is none). */
export interface LeadershipView {
  role: Role;
  epoch: number;
  leader: string | null;
}

/**
 * What the election tells the core. `until` (monotonic ms) is as long as a
 * leader may instruct: its lease's renewal deadline with a margin taken, so
 * a leader that can no longer renew falls silent before another can exist.
 */
export interface Leadership extends LeadershipView {
  until: number;
}

export interface HeartbeatReply {
  status: ServerStatus;
  chunksToDelete: string[];
  chunksToReplicate: ReplicateInstruction[];
  /** The master asks for this server's full list (CONTRACT 9, "Asking for reports"). */
  fullReport: boolean;
  /** With several masters only (once the core was told of an election). */
  leadership?: LeadershipView;
}

export interface ServerView {
  server: string;
  status: ServerStatus;
  chunks: number;
  lastHeartbeatMsAgo: number;
  diskUsagePct: number | null;
  health: Health;
  missedHeartbeats: number;
  /** Instructions planned and not yet confirmed that it takes part in. */
  instructions: ServerInstructions;
}

export interface ServerInstructions {
  /** Copies it is the source of. */
  copiesOut: number;
  /** Copies it is the target of. */
  copiesIn: number;
  /** Deletes asked of it. */
  deletes: number;
}

export type CoreEvent =
  | { type: 'server_alive'; server: string; at: number; revived: boolean }
  | { type: 'server_dead'; server: string; at: number; lostReplicas: number }
  | { type: 'safe_mode_exited'; at: number }
  | { type: 'brake_engaged'; at: number; dead: number; known: number }
  | { type: 'brake_released'; at: number; dead: number; known: number }
  /** Chunks that lost their last live replica during one step of the core: a count and a few examples, never one event per chunk. */
  | { type: 'chunks_missing'; at: number; count: number; examples: string[] }
  /** A dead server's stored replicas are all dropped: how many, and how many chunks it left with no live replica. */
  | { type: 'server_reaped'; server: string; at: number; replicas: number; chunksMissing: number; examples: string[] }
  /** Dead longer than dead_out: no longer counted by the mass-failure brake. */
  | { type: 'server_out'; server: string; at: number }
  /** An operator forgot a dead server: its id and the chunks only it had held are freed. */
  | { type: 'server_forgotten'; server: string; at: number; chunksFreed: number }
  /** The group of masters has a new term or leader (`self`: this master leads it). */
  | { type: 'leader_elected'; at: number; epoch: number; leader: string | null; self: boolean }
  /** This master stopped leading: told so, or its lease's renewal deadline passed. */
  | { type: 'leadership_lost'; at: number; epoch: number };

export type Priority = 'missing' | 'critical' | 'normal';

export interface UnderReplicated {
  chunk: string;
  currentRf: number;
  targetRf: number;
  priority: Priority;
}

export interface ReplicationState {
  safeMode: boolean;
  /** Milliseconds until safe mode ends; 0 once it has. */
  safeModeRemainingMs: number;
  /** Mass-failure brake: re-replication paused because too many servers are dead. */
  brakeEngaged: boolean;
  pendingCopies: number;
  /** Deletes handed out (or about to be) that no chunk report has confirmed yet. */
  pendingDeletes: number;
}
