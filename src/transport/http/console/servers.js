import { ago, count, esc } from './format.js';

const PAGE_SIZE = 100;
const collator = new Intl.Collator('en', { numeric: true });
const TEXT_KEYS = new Set(['server', 'status', 'health']);

function compare(key) {
  if (TEXT_KEYS.has(key)) return (a, b) => collator.compare(a[key], b[key]);
  // Unknown disk use (null) sorts below every number.
  return (a, b) => (a[key] ?? -1) - (b[key] ?? -1);
}

function row(server) {
  const id = esc(server.server);
  const disk = server.disk_usage_pct === null ? '&ndash;' : server.disk_usage_pct.toFixed(1);
  return `<tr class="status-${server.status}"><td><a href="#/servers/${encodeURIComponent(server.server)}">${id}</a></td>` +
    `<td>${ago(server.last_heartbeat_ms_ago)}</td><td class="status">${server.status}</td><td class="num">${count(server.chunks)}</td>` +
    `<td class="num">${disk}</td><td>${esc(server.health)}</td><td class="num">${server.missed_heartbeats}</td></tr>`;
}

/**
 * The servers table: filtered by id and status, sorted by any column, a
 * page of 100 rows at a time, so a fleet of 10,000 costs the DOM no more
 * than a fleet of 100.
 */
export class ServersTable {
  constructor(root) {
    this.table = root.querySelector('#servers');
    this.body = this.table.querySelector('tbody');
    this.info = root.querySelector('#page-info');
    this.filter = root.querySelector('#filter');
    this.status = root.querySelector('#status-filter');
    this.servers = [];
    this.sortKey = 'server';
    this.descending = false;
    this.page = 0;
    for (const th of this.table.querySelectorAll('th[data-key]')) th.addEventListener('click', () => this.sortBy(th.dataset.key));
    this.filter.addEventListener('input', () => this.refilter());
    this.status.addEventListener('change', () => this.refilter());
    root.querySelector('#prev').addEventListener('click', () => this.turn(-1));
    root.querySelector('#next').addEventListener('click', () => this.turn(1));
  }

  update(servers) {
    this.servers = servers;
    this.render();
  }

  sortBy(key) {
    this.descending = this.sortKey === key ? !this.descending : false;
    this.sortKey = key;
    this.render();
  }

  refilter() {
    this.page = 0;
    this.render();
  }

  turn(step) {
    this.page += step;
    this.render();
  }

  render() {
    const text = this.filter.value.trim().toLowerCase();
    const status = this.status.value;
    const shown = this.servers.filter((s) => (status === '' || s.status === status) && (text === '' || s.server.toLowerCase().includes(text)));
    const order = compare(this.sortKey);
    shown.sort(this.descending ? (a, b) => order(b, a) : order);
    const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
    this.page = Math.min(Math.max(this.page, 0), pages - 1);
    const first = this.page * PAGE_SIZE;
    this.body.innerHTML = shown.slice(first, first + PAGE_SIZE).map(row).join('');
    const range = shown.length === 0 ? 'none' : `${count(first + 1)}-${count(Math.min(first + PAGE_SIZE, shown.length))}`;
    this.info.textContent = `${range} of ${count(shown.length)}${shown.length === this.servers.length ? '' : ` (${count(this.servers.length)} in all)`}`;
    this.table.dataset.shown = String(shown.length);
    for (const th of this.table.querySelectorAll('th[data-key]')) {
      th.className = `${th.classList.contains('num') ? 'num ' : ''}${th.dataset.key === this.sortKey ? (this.descending ? 'sorted-desc' : 'sorted-asc') : ''}`.trim();
    }
  }
}
