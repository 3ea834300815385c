import type { HealthBody, LeaderBody, ReplicationBody, ServerRow, StatusData } from './client.js';

/** ANSI colours, or none: plain text when piped (or NO_COLOR), so scripts and logs read it as it is. */
export interface Paint {
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  bold(text: string): string;
}

const ansi = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
export const COLOURS: Paint = { red: ansi(31), yellow: ansi(33), green: ansi(32), bold: ansi(1) };
const same = (text: string) => text;
export const PLAIN: Paint = { red: same, yellow: same, green: same, bold: same };

/** Colours only on a terminal, and never with NO_COLOR set to anything but '' (no-color.org). */
export function paintFor(isTty: boolean | undefined, env: NodeJS.ProcessEnv): Paint {
  return isTty === true && (env['NO_COLOR'] ?? '') === '' ? COLOURS : PLAIN;
}

/** A `ceph -s`-style summary, then a `kubectl get nodes`-style table of the servers, worst first. */
export function render(url: string, data: StatusData, paint: Paint): string {
  return `${summary(url, data, paint).join('\n')}\n\n${table(data.servers, paint)}`;
}

function summary(url: string, { health, servers, replication, leader }: StatusData, paint: Paint): string[] {
  const counts = { alive: 0, dead: 0, draining: 0 };
  for (const row of servers) counts[row.status]++;
  const lines = [
    `master: ${url}`,
    `  health:      ${paintStatus(health.status, paint)}`,
    ...healthLines(health, paint),
    `  servers:     ${servers.length} known: ${counts.alive} alive, ${counts.dead} dead, ${counts.draining} draining`,
    `  safe mode:   ${replication.safe_mode ? paint.yellow(`on, ${Math.ceil(replication.safe_mode_remaining_ms / 1000)} s more at most`) : 'off'}`,
    `  brake:       ${replication.brake_engaged ? paint.red('engaged: no copies or deletes handed out') : 'off'}`,
    ...replicationLines(replication),
  ];
  if (leader !== undefined) lines.push(`  masters:     ${leaderLine(leader, paint)}`);
  return lines;
}

function healthLines(health: HealthBody, paint: Paint): string[] {
  return health.checks.map((check) => {
    const tag = check.severity === 'HEALTH_ERR' ? paint.red('[ERR]') : paint.yellow('[WRN]');
    return `               ${tag} ${check.code}: ${check.summary}`;
  });
}

function replicationLines(replication: ReplicationBody): string[] {
  const { missing, critical, normal } = replication.totals;
  const lagging = replication.totals_exact ? '' : ' (may lag a sweep)';
  return [
    `  chunks:      ${missing + critical + normal} under-replicated: ${missing} missing, ${critical} critical, ${normal} normal${lagging}`,
    `  pending:     ${replication.pending_copies} copies, ${replication.pending_deletes} deletes`,
  ];
}

function leaderLine(leader: LeaderBody, paint: Paint): string {
  const who = leader.leader === null ? paint.red('no leader') : `leader ${leader.leader}`;
  return `${who}, epoch ${leader.epoch}; this master (${leader.master_id}) is ${leader.role}`;
}

function paintStatus(status: HealthBody['status'], paint: Paint): string {
  const colour = status === 'HEALTH_OK' ? paint.green : status === 'HEALTH_WARN' ? paint.yellow : paint.red;
  return colour(status);
}

const COLUMNS = ['NAME', 'STATUS', 'LAST-CONTACT', 'CHUNKS', 'DISK', 'HEALTH', 'MISSED'];

/** Dead first, then unwell (read_only, then degraded), then draining, then the rest; by id within each. */
export function worstFirst(rows: readonly ServerRow[]): ServerRow[] {
  return [...rows].sort((a, b) => rank(a) - rank(b) || (a.server < b.server ? -1 : a.server > b.server ? 1 : 0));
}

function rank(row: ServerRow): number {
  if (row.status === 'dead') return 0;
  if (row.health !== 'healthy') return row.health === 'read_only' ? 1 : 2;
  return row.status === 'draining' ? 3 : 4;
}

function table(rows: readonly ServerRow[], paint: Paint): string {
  if (rows.length === 0) return 'No servers have heartbeated yet.\n';
  const cells = worstFirst(rows).map((row) => [
    row.server,
    row.status,
    `${ago(row.last_heartbeat_ms_ago)} ago`,
    String(row.chunks),
    row.disk_usage_pct === null ? '-' : `${row.disk_usage_pct}%`,
    row.health,
    String(row.missed_heartbeats),
  ]);
  const widths = COLUMNS.map((column, i) => Math.max(column.length, ...cells.map((row) => (row[i] as string).length)));
  // Pad before painting: escape codes would throw the widths off.
  const line = (row: string[], colour?: (text: string, column: number) => string) =>
    row.map((cell, i) => (colour ? colour(cell.padEnd(widths[i] as number), i) : cell.padEnd(widths[i] as number))).join('   ').trimEnd();
  const painted = (row: string[]) => line(row, (cell, column) => cellColour(row, column, paint)(cell));
  return [line(COLUMNS, (cell) => paint.bold(cell)), ...cells.map(painted)].join('\n') + '\n';
}

function cellColour(row: string[], column: number, paint: Paint): (text: string) => string {
  const value = row[column];
  if (column === 1) return value === 'dead' ? paint.red : value === 'draining' ? paint.yellow : paint.green;
  if (column === 5) return value === 'read_only' ? paint.red : value === 'degraded' ? paint.yellow : (text) => text;
  return (text) => text;
}

/** Like kubectl's ages: 850ms, 4.2s, 3m10s, 2h5m. */
export function ago(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}
