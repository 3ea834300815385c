import { get } from './api.js';
import { ago, clock, count, esc } from './format.js';

function field(label, value, tone = '') {
  return `<div class="item ${tone}"><span class="label">${esc(label)}</span><span class="value">${value}</span></div>`;
}

/** #/servers/ID: one server, with the fleet's repair work and this server's events seen here. */
export async function renderServer(element, id, { replication, feed }) {
  const server = await get(`/servers/${encodeURIComponent(id)}`);
  const back = '<p><a href="#/">&larr; all servers</a></p>';
  if (server === undefined) {
    element.innerHTML = `${back}<h2>${esc(id)}</h2><p class="error">unknown server: never registered, or forgotten</p>`;
    return;
  }
  const disk = server.disk_usage_pct === null ? '&ndash;' : `${server.disk_usage_pct.toFixed(1)} %`;
  const events = feed.about(id).map((row) => `<li>${clock(row.second * 1000)} ${esc(row.type)}</li>`).join('');
  element.innerHTML = `${back}<h2>${esc(server.server)}</h2>
    <div class="strip">
      ${field('status', esc(server.status), server.status === 'dead' ? 'bad' : server.status === 'draining' ? 'warn' : 'ok')}
      ${field('chunks', count(server.chunks))}
      ${field('last contact', ago(server.last_heartbeat_ms_ago))}
      ${field('missed heartbeats', count(server.missed_heartbeats), server.missed_heartbeats > 0 ? 'warn' : '')}
      ${field('disk', disk)}
      ${field('health', esc(server.health), server.health === 'healthy' ? '' : 'warn')}
    </div>
    <h3>Instructions in flight</h3>
    <div class="strip">
      ${field('copies from it', count(server.instructions.copies_out))}
      ${field('copies to it', count(server.instructions.copies_in))}
      ${field('deletes asked of it', count(server.instructions.deletes))}
    </div>
    <p class="muted">Across the fleet: ${count(replication.pending_copies)} copies and ${count(replication.pending_deletes)} deletes pending.</p>
    <h3>Events seen on this page</h3>
    ${events === '' ? '<p class="muted">none since this page was opened</p>' : `<ul>${events}</ul>`}`;
  element.dataset.server = server.server;
  element.dataset.status = server.status;
}
