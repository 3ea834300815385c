import { count, esc } from './format.js';

const HEALTH_CLASS = { HEALTH_OK: 'ok', HEALTH_WARN: 'warn', HEALTH_ERR: 'bad' };

function item(label, value, tone = '', title = '') {
  const hint = title === '' ? '' : ` title="${esc(title)}"`;
  return `<div class="item ${tone}"${hint}><span class="label">${esc(label)}</span><span class="value">${value}</span></div>`;
}

function health(report) {
  if (report === undefined) return item('health', 'n/a', '', 'this daemon has no GET /health');
  const problems = report.checks.map((check) => `${check.code}: ${check.summary}`).join('\n');
  const codes = report.checks.map((check) => esc(check.code)).join(' ');
  return item('health', `${esc(report.status)}${codes === '' ? '' : `<small>${codes}</small>`}`, HEALTH_CLASS[report.status] ?? '', problems);
}

function leader(view) {
  if (view === undefined) return item('leader', 'single master', '', 'no group of masters (GET /leader: 404)');
  const who = view.role === 'leader' ? `this master (${esc(view.master_id)})` : esc(view.leader ?? 'none');
  return item('leader', `${who}<small>epoch ${count(view.epoch)}, ${count(view.members.length)} members</small>`, view.leader === null ? 'bad' : '');
}

/** The strip across the top: health, server counts, repair state, leadership. */
export function renderSummary(element, { servers, replication, health: report, leader: group }) {
  const by = { alive: 0, dead: 0, draining: 0 };
  for (const server of servers) by[server.status]++;
  const { totals } = replication;
  const safe = replication.safe_mode ? `on<small>${Math.ceil(replication.safe_mode_remaining_ms / 1000)} s left</small>` : 'off';
  element.innerHTML = [
    health(report),
    item('alive', count(by.alive), 'ok'),
    item('dead', count(by.dead), by.dead > 0 ? 'bad' : ''),
    item('draining', count(by.draining), by.draining > 0 ? 'warn' : ''),
    item('safe mode', safe, replication.safe_mode ? 'warn' : ''),
    item('brake', replication.brake_engaged ? 'engaged' : 'off', replication.brake_engaged ? 'bad' : ''),
    item('missing', count(totals.missing), totals.missing > 0 ? 'bad' : ''),
    item('critical', count(totals.critical), totals.critical > 0 ? 'warn' : ''),
    item('normal', count(totals.normal), '', 'under-replicated chunks with room to spare'),
    item('copies pending', count(replication.pending_copies)),
    item('deletes pending', count(replication.pending_deletes)),
    leader(group),
  ].join('');
}
