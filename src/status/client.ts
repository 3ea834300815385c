import { authHeaders } from '../fleet/transport.js';

/** What `status` reads from a master: four cheap operator reads. */
export interface StatusData {
  health: HealthBody;
  servers: ServerRow[];
  replication: ReplicationBody;
  /** Only with several masters (GET /leader is 404 without --etcd). */
  leader: LeaderBody | undefined;
}

export interface HealthCheckBody {
  code: string;
  severity: 'HEALTH_WARN' | 'HEALTH_ERR';
  summary: string;
  count: number;
  detail: string[];
}

export interface HealthBody {
  status: 'HEALTH_OK' | 'HEALTH_WARN' | 'HEALTH_ERR';
  checks: HealthCheckBody[];
}

export interface ServerRow {
  server: string;
  status: 'alive' | 'dead' | 'draining';
  chunks: number;
  last_heartbeat_ms_ago: number;
  disk_usage_pct: number | null;
  health: 'healthy' | 'degraded' | 'read_only';
  missed_heartbeats: number;
}

export interface ReplicationBody {
  safe_mode: boolean;
  safe_mode_remaining_ms: number;
  brake_engaged: boolean;
  pending_copies: number;
  pending_deletes: number;
  totals: { missing: number; critical: number; normal: number };
  totals_exact: boolean;
}

export interface LeaderBody {
  role: 'leader' | 'follower';
  epoch: number;
  leader: string | null;
  master_id: string;
}

/** The master could not be asked: not reachable, the token refused, or an answer that is not one. */
export class StatusError extends Error {
  override name = 'StatusError';
}

/** Each read waits this long at most: a master that does not answer is as good as unreachable. */
const REQUEST_TIMEOUT_MS = 10_000;

export async function readStatus(url: string, token: string | undefined): Promise<StatusData> {
  const get = (path: string, absent?: number) => getJson(url, path, token, absent);
  const [health, servers, replication, leader] = await Promise.all([
    get('/health'),
    get('/servers'),
    // One entry is enough: the totals are over every page.
    get('/replication?limit=1'),
    get('/leader', 404),
  ]);
  return {
    health: health as HealthBody,
    servers: (servers as { servers: ServerRow[] }).servers,
    replication: replication as ReplicationBody,
    leader: leader as LeaderBody | undefined,
  };
}

/** The JSON body of a 200; undefined for the `absent` status; anything else is a StatusError saying what went wrong. */
async function getJson(base: string, path: string, token: string | undefined, absent?: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(base + path, { headers: authHeaders(token), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new StatusError(`cannot reach the master at ${base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  if (response.status === absent) {
    await response.body?.cancel();
    return undefined;
  }
  const text = await response.text();
  if (response.status === 401 || response.status === 403) {
    const why = token === undefined ? 'it wants a bearer token: give --token-file' : 'give --token-file an operator token from its tokens file';
    throw new StatusError(`the master at ${base} refused GET ${path} (${response.status}: ${messageOf(text)}); ${why}`);
  }
  if (response.status !== 200) throw new StatusError(`the master at ${base} answered GET ${path} with ${response.status}: ${messageOf(text)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StatusError(`the master at ${base} answered GET ${path} with something that is not JSON`);
  }
}

function messageOf(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // Not Fastify's error shape: say what came.
  }
  return text.slice(0, 200);
}
