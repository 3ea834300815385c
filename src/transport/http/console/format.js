// Text for the page: escaped, and numbers and durations the way an operator reads them.
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value) {
  return String(value).replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

export function count(value) {
  return Number(value).toLocaleString('en-US');
}

export function ago(ms) {
  if (ms < 1000) return `${ms} ms ago`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  return `${(ms / 3_600_000).toFixed(1)} h ago`;
}

export function clock(epochMs) {
  return new Date(epochMs).toLocaleTimeString('en-GB', { hour12: false });
}
