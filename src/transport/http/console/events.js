import { clock, count, esc } from './format.js';

const MAX_ROWS = 200;
const MAX_NAMES = 5;

/** What one event adds to its row's detail: the servers it names and the chunks it counts. */
function contribution(event) {
  const chunks = event.lost_replicas ?? event.chunks_missing ?? event.count ?? event.chunks_freed ?? 0;
  return { server: event.server, chunks: event.type === 'events_dropped' ? 0 : chunks };
}

function detail(row) {
  const parts = [];
  if (row.servers.length > 0) {
    const more = row.serverCount - row.servers.length;
    parts.push(row.servers.map(esc).join(', ') + (more > 0 ? ` and ${count(more)} more` : ''));
  }
  if (row.type === 'server_dead' && row.chunks > 0) parts.push(`${count(row.chunks)} replicas stopped counting`);
  else if ((row.type === 'server_reaped' || row.type === 'chunks_missing') && row.chunks > 0) parts.push(`${count(row.chunks)} chunks missing`);
  if (row.type === 'brake_engaged' || row.type === 'brake_released') parts.push(`${count(row.dead)} of ${count(row.known)} dead`);
  if (row.type === 'server_forgotten' && row.chunks > 0) parts.push(`${count(row.chunks)} chunks freed`);
  if (row.epoch !== undefined) parts.push(`epoch ${count(row.epoch)}`);
  if (row.type === 'events_dropped') parts.push('the feed fell behind; counts resume from here');
  return parts.join('; ');
}

/**
 * The event stream folded into one row per kind per second: a mass failure
 * of 1,000 servers is one line of 1,000, never 1,000 lines.
 */
export class EventFeed {
  constructor(root, onChange) {
    this.body = root.querySelector('#events tbody');
    this.rows = [];
    this.onChange = onChange;
    this.dirty = false;
  }

  add(event, receivedAt) {
    const second = Math.floor(receivedAt / 1000);
    let row = this.rows.find((r) => r.second === second && r.type === event.type);
    if (row === undefined) {
      row = { second, type: event.type, count: 0, servers: [], serverCount: 0, chunks: 0, dead: 0, known: 0 };
      this.rows.unshift(row);
      this.rows.length = Math.min(this.rows.length, MAX_ROWS);
    }
    const { server, chunks } = contribution(event);
    row.count += event.type === 'events_dropped' ? event.count : 1;
    row.chunks += chunks;
    if (server !== undefined) {
      row.serverCount++;
      if (row.servers.length < MAX_NAMES) row.servers.push(server);
    }
    if (event.dead !== undefined) Object.assign(row, { dead: event.dead, known: event.known });
    if (event.epoch !== undefined) row.epoch = event.epoch;
    this.onChange(event);
    this.schedule();
  }

  /** Rows for one server, newest first (the per-server view). */
  about(server) {
    return this.rows.filter((row) => row.servers.includes(server));
  }

  // Many events a second are drawn once per animation frame.
  schedule() {
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => {
      this.dirty = false;
      this.render();
    });
  }

  render() {
    this.body.innerHTML = this.rows.map((row) =>
      `<tr class="event-${esc(row.type)}"><td>${clock(row.second * 1000)}</td><td>${esc(row.type)}</td>` +
      `<td class="num">${count(row.count)}</td><td>${detail(row)}</td></tr>`).join('');
  }
}
