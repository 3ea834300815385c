// Shared helpers for the benchmark sections. Each section is a script that
// prints one JSON object per line on stdout: a result row (see row()).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One percentile for every report: the fleet's nearest-rank rule (benches run after npm run build). */
export { percentile } from '../dist/fleet/stats.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

export function distHas(relative) {
  return existsSync(DIST + relative);
}

/**
 * One figure of a section. `better` says which way is good: 'lower' means the
 * value must stay <= bar, 'higher' that it must reach >= bar. `barOn` says
 * whether the bar applies to the value itself or to the ratio against the
 * baseline measured in the same run. `paired` is that ratio when it was
 * measured run against run (the machine's drift cancels better that way
 * than in value / baseline).
 */
export function row({ section, figure, value, unit, baseline, bar, better = 'lower', barOn = 'value', note, paired }) {
  const ratio = paired ?? (typeof baseline === 'number' && baseline !== 0 && typeof value === 'number' ? value / baseline : null);
  const judged = barOn === 'ratio' ? ratio : value;
  let pass = null;
  if (typeof bar === 'number' && typeof judged === 'number') pass = better === 'lower' ? judged <= bar : judged >= bar;
  return { section, figure, value, unit, baseline: baseline ?? null, ratio, bar: bar ?? null, barOn, better, pass, note: note ?? null };
}

export function skipped(section, figure, why) {
  return { section, figure, value: null, unit: null, baseline: null, ratio: null, bar: null, barOn: 'value', better: 'lower', pass: null, note: `skipped: ${why}` };
}

export function emit(result) {
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** Ticks the master until no work is due at `now`, as a driver would (reports past the per-turn budget go in steps). */
export function settle(master, now) {
  for (let due = master.nextDeadline(); due !== undefined && due <= now; due = master.nextDeadline()) master.tick(now);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function round(value, digits = 2) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Prometheus text to a map from `name` or `name{labels}` to its value. */
export function parseMetrics(text) {
  const values = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}
