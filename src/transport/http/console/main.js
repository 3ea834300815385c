import { Refused, get, setToken, subscribe, token } from './api.js';
import { RepairChart } from './chart.js';
import { EventFeed } from './events.js';
import { clock } from './format.js';
import { renderServer } from './server-view.js';
import { ServersTable } from './servers.js';
import { renderSummary } from './summary.js';

const POLL_MS = 1000;
const $ = (selector) => document.querySelector(selector);

let table;
let chart;
let feed;
let timer;
let started = false;
let polling = false;
let pollAgain = false;
/** A poll is due within 100 ms: more events meanwhile do not put it off. */
let soon = false;

/** One read of everything the page shows; GET /health and GET /leader are absent (404) on some daemons. */
async function readAll() {
  const [servers, replication, health, leader] = await Promise.all([
    get('/servers'), get('/replication?limit=1'), get('/health'), get('/leader'),
  ]);
  return { servers: servers.servers, replication, health, leader };
}

function route() {
  const match = /^#\/servers\/(.+)$/.exec(location.hash);
  return match === null ? undefined : decodeURIComponent(match[1]);
}

async function draw(state) {
  renderSummary($('#summary'), state);
  const server = route();
  $('#fleet-view').hidden = server !== undefined;
  $('#server-view').hidden = server === undefined;
  if (server === undefined) table.update(state.servers);
  else await renderServer($('#server-view'), server, { replication: state.replication, feed });
  $('#updated').textContent = `updated ${clock(Date.now())}`;
}

/** One poll at a time: one asked for meanwhile runs as soon as it ends. */
async function poll() {
  clearTimeout(timer);
  soon = false;
  if (polling) {
    pollAgain = true;
    return;
  }
  polling = true;
  try {
    const state = await readAll();
    await draw(state);
    chart.add(state.replication, Date.now());
    $('#problem').hidden = true;
  } catch (error) {
    if (error instanceof Refused) {
      polling = false;
      askForToken(refusal(error));
      return;
    }
    $('#problem').textContent = `cannot read the daemon: ${error.message}`;
    $('#problem').hidden = false;
  }
  polling = false;
  timer = setTimeout(poll, pollAgain ? 0 : POLL_MS);
  pollAgain = false;
}

function refusal(error) {
  if (error.status === 403) return "that is a chunk server's token: an operator token is needed";
  return token() === '' ? '' : 'token refused';
}

function askForToken(why) {
  clearTimeout(timer);
  setToken('');
  $('#console').hidden = true;
  $('#login').hidden = false;
  $('#login-error').textContent = why;
  $('#token').focus();
}

/** Deaths and returns show at once, not at the next poll; a burst of them costs one read. */
function pollSoon() {
  if (soon) return;
  soon = true;
  clearTimeout(timer);
  timer = setTimeout(poll, 100);
}

function start() {
  $('#login').hidden = true;
  $('#console').hidden = false;
  if (!started) {
    started = true;
    table = new ServersTable(document);
    chart = new RepairChart($('#chart'));
    feed = new EventFeed(document, (event) => {
      if (event.type === 'server_dead' || event.type === 'server_alive' || event.type === 'events_dropped') pollSoon();
    });
    subscribe((event, at) => feed.add(event, at), (state) => ($('#stream').textContent = state));
    addEventListener('hashchange', () => poll());
  }
  poll();
}

$('#login').addEventListener('submit', async (submit) => {
  submit.preventDefault();
  setToken($('#token').value.trim());
  $('#token').value = '';
  try {
    await get('/servers');
    start();
  } catch (error) {
    askForToken(error instanceof Refused ? refusal(error) : error.message);
  }
});

// Open daemons and a token kept from earlier in this tab go straight in.
get('/servers').then(start, (error) => (error instanceof Refused ? askForToken(refusal(error)) : start()));
