import t from 'tap';
import type { ServerRow, StatusData } from '../../src/status/client.js';
import { COLOURS, PLAIN, ago, paintFor, render, worstFirst } from '../../src/status/render.js';

const row = (server: string, status: ServerRow['status'], health: ServerRow['health'] = 'healthy'): ServerRow => ({
  server,
  status,
  chunks: 3,
  last_heartbeat_ms_ago: 1234,
  disk_usage_pct: null,
  health,
  missed_heartbeats: 0,
});

function data(overrides: Partial<StatusData> = {}): StatusData {
  return {
    health: { status: 'HEALTH_OK', checks: [] },
    servers: [],
    replication: {
      safe_mode: false,
      safe_mode_remaining_ms: 0,
      brake_engaged: false,
      pending_copies: 0,
      pending_deletes: 0,
      totals: { missing: 0, critical: 0, normal: 0 },
      totals_exact: true,
    },
    leader: undefined,
    ...overrides,
  };
}

t.test('colours only on a terminal without NO_COLOR', async (t) => {
  t.equal(paintFor(true, {}), COLOURS);
  t.equal(paintFor(true, { NO_COLOR: '' }), COLOURS, 'an empty NO_COLOR does not count (no-color.org)');
  t.equal(paintFor(true, { NO_COLOR: '1' }), PLAIN);
  t.equal(paintFor(false, {}), PLAIN);
  t.equal(paintFor(undefined, {}), PLAIN, 'stdout is not a TTY when piped');
});

t.test('servers worst first: dead, read_only, degraded, draining, the rest; by id within each', async (t) => {
  const rows = [row('z', 'alive'), row('d2', 'dead'), row('r', 'alive', 'read_only'), row('dr', 'draining'), row('g', 'alive', 'degraded'), row('d1', 'dead', 'degraded'), row('a', 'alive')];
  t.same(worstFirst(rows).map((r) => r.server), ['d1', 'd2', 'r', 'g', 'dr', 'a', 'z']);
});

t.test('ages read like kubectl', async (t) => {
  t.same([0, 999, 1000, 4249, 59_999, 60_000, 190_000, 3_600_000, 7_500_000].map(ago), ['0ms', '999ms', '1.0s', '4.2s', '59.9s', '1m0s', '3m10s', '1h0m', '2h5m']);
});

t.test('on a terminal: the health, checks, states and table cells in colour, padded before painting', async (t) => {
  const text = render('http://m', data({
    health: {
      status: 'HEALTH_ERR',
      checks: [
        { code: 'CHUNKS_MISSING', severity: 'HEALTH_ERR', summary: '1 chunk with no live replica', count: 1, detail: ['x'] },
        { code: 'SAFE_MODE', severity: 'HEALTH_WARN', summary: 'in safe mode', count: 1, detail: [] },
      ],
    },
    servers: [row('a', 'alive'), row('b', 'dead', 'read_only'), row('c', 'draining', 'degraded')],
    replication: { ...data().replication, safe_mode: true, safe_mode_remaining_ms: 1500, brake_engaged: true, totals_exact: false },
    leader: { role: 'follower', epoch: 3, leader: null, master_id: 'm2' },
  }), COLOURS);
  t.match(text, 'health:      \x1b[31mHEALTH_ERR\x1b[0m');
  t.match(text, '\x1b[31m[ERR]\x1b[0m CHUNKS_MISSING: 1 chunk with no live replica');
  t.match(text, '\x1b[33m[WRN]\x1b[0m SAFE_MODE: in safe mode');
  t.match(text, 'safe mode:   \x1b[33mon, 2 s more at most\x1b[0m');
  t.match(text, 'brake:       \x1b[31mengaged: no copies or deletes handed out\x1b[0m');
  t.match(text, '(may lag a sweep)');
  t.match(text, 'masters:     \x1b[31mno leader\x1b[0m, epoch 3; this master (m2) is follower');
  t.match(text, '\x1b[1mNAME\x1b[0m');
  t.match(text, /b {6}\x1b\[31mdead {4}\x1b\[0m {3}1\.2s ago {7}3 {8}- {6}\x1b\[31mread_only\x1b\[0m/);
  t.match(text, /\x1b\[33mdraining\x1b\[0m.*\x1b\[33mdegraded \x1b\[0m/);
  t.match(text, /\x1b\[32malive {3}\x1b\[0m/);
});

t.test('plain: the same words, a leader named, the health in plain text', async (t) => {
  const text = render('http://m', data({ health: { status: 'HEALTH_WARN', checks: [] }, leader: { role: 'leader', epoch: 9, leader: 'http://m1:7070', master_id: 'm1' } }), PLAIN);
  t.match(text, 'health:      HEALTH_WARN\n');
  t.match(text, 'masters:     leader http://m1:7070, epoch 9; this master (m1) is leader\n');
  t.notMatch(text, /\x1b/);
  t.match(render('http://m', data(), COLOURS), '\x1b[32mHEALTH_OK\x1b[0m');
});
