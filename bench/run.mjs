// `npm run bench`: runs each section in its own process (fresh heap, its own
// flags), collects their result rows, writes bench/results/latest.json and
// prints a markdown table. Bars are judged here but never fail the run:
// speed targets are read, not enforced, on shared machines.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const SECTIONS = [
  { name: 'core at scale', script: 'core-scale.mjs', nodeArgs: ['--expose-gc', '--max-old-space-size=4096'] },
  { name: 'stdio ingest', script: 'stdio-ingest.mjs' },
  { name: 'http ingest', script: 'http-ingest.mjs' },
  { name: 'websocket ingest', script: 'ws-ingest.mjs' },
  { name: 'detection under load', script: 'detection.mjs' },
  { name: 'failover', script: 'failover.mjs' },
  { name: 'fleet capacity', script: 'capacity-core.mjs', nodeArgs: ['--expose-gc', '--max-old-space-size=12288'] },
  // The daemon child of each takes these flags too (process.execArgv): 100M replicas need the room.
  { name: 'fleet capacity', script: 'capacity-http.mjs', nodeArgs: ['--max-old-space-size=16384'] },
  { name: 'fleet capacity', script: 'capacity-restart.mjs', nodeArgs: ['--max-old-space-size=16384'] },
];

const only = process.argv.slice(2);

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
  };
}

function runSection(section) {
  return new Promise((resolve) => {
    const script = fileURLToPath(new URL(section.script, import.meta.url));
    const child = spawn(process.execPath, [...(section.nodeArgs ?? []), script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.on('close', (code, signal) => {
      const rows = out.split('\n').filter(Boolean).map((line) => JSON.parse(line));
      if (code !== 0) {
        rows.push({ section: section.name, figure: '(section failed)', value: null, pass: false, note: `exited ${code ?? signal}` });
      }
      resolve(rows);
    });
  });
}

function cell(value, unit = '') {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return `${Number.isInteger(value) ? value : value.toPrecision(4).replace(/\.?0+$/, '')}${unit ? ` ${unit}` : ''}`;
  return String(value);
}

function escape(text) {
  return String(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('|', '\\|');
}

function table(rows) {
  const lines = ['| section | figure | value | baseline | ratio | bar | result |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const bar = r.bar === null || r.bar === undefined ? '' : `${r.better === 'higher' ? '>=' : '<='} ${r.bar}${r.barOn === 'ratio' ? ' (ratio)' : ` ${r.unit ?? ''}`}`;
    const result = r.pass === true ? 'pass' : r.pass === false ? '**FAIL**' : r.note?.startsWith('skipped') ? 'skipped' : '';
    const figure = r.note ? `${escape(r.figure)} <br><sub>${escape(r.note)}</sub>` : escape(r.figure);
    lines.push(`| ${r.section} | ${figure} | ${cell(r.value, r.unit)} | ${cell(r.baseline, r.unit)} | ${cell(r.ratio)} | ${bar.trim()} | ${result} |`);
  }
  return lines.join('\n');
}

const started = performance.now();
const rows = [];
for (const section of SECTIONS) {
  if (only.length > 0 && !only.some((name) => section.script.startsWith(name))) continue;
  process.stderr.write(`bench: ${section.name}...\n`);
  rows.push(...(await runSection(section)));
}
const report = { machine: machine(), date: new Date().toISOString(), durationS: Math.round((performance.now() - started) / 1000), rows };
const resultsDir = new URL('./results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(new URL('latest.json', resultsDir), JSON.stringify(report, null, 2) + '\n');

const m = report.machine;
process.stdout.write(`## chunkmaster benchmarks\n\n${m.cpu}, ${m.cores} cores, ${m.memoryGb} GiB, node ${m.node}, ${m.platform}; ${report.durationS} s\n\n${table(rows)}\n`);
process.exitCode = rows.some((r) => r.figure === '(section failed)') ? 1 : 0;
