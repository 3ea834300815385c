// Reads through the daemon's routes, with the operator token when there is one.
const TOKEN_KEY = 'chunkmaster.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(value) {
  if (value === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

/** 401 or 403: no token, an unknown one, or a chunk server's. */
export class Refused extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GET a route's JSON; undefined for 404 (a route this daemon lacks, or an unknown server). */
export async function get(path) {
  const headers = { accept: 'application/json' };
  const bearer = token();
  if (bearer !== '') headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(path, { headers, cache: 'no-store' });
  if (response.status === 404) return undefined;
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 || response.status === 403) throw new Refused(response.status, body.message ?? response.statusText);
  // /health answers 503 with its report when the cluster is in error.
  if (!response.ok && !(response.status === 503 && typeof body.status === 'string')) {
    throw new Error(`${path}: ${response.status} ${body.message ?? response.statusText}`);
  }
  return body;
}

/**
 * The master's event stream. A browser cannot set headers on a WebSocket, so
 * the token rides in a subprotocol (CONTRACT 8); the daemon answers with the
 * plain `chunkmaster` one. Reconnects with back-off.
 */
export function subscribe(onEvent, onState) {
  let delay = 500;
  const open = () => {
    const bearer = token();
    const protocols = bearer === '' ? ['chunkmaster'] : ['chunkmaster', `chunkmaster.bearer.${bearer}`];
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    let socket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}/ws`, protocols);
    } catch (error) {
      onState(`events: ${error.message}`);
      return;
    }
    socket.onopen = () => {
      delay = 500;
      onState('events: live');
      socket.send(JSON.stringify({ type: 'subscribe' }));
    };
    socket.onmessage = (message) => {
      const body = JSON.parse(message.data);
      if (body.type !== 'subscribe_ok') onEvent(body, Date.now());
    };
    socket.onclose = () => {
      onState('events: reconnecting');
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  open();
}
