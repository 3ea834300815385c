// stdio ingest: heartbeat lines piped through `chunkmaster stdio` against a
// bare Node line loop on the same input, both as child processes.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DIST, emit, median, round, row } from './lib.mjs';

const SECTION = 'stdio ingest';
const LINES = Number(process.env.BENCH_STDIO_LINES ?? 200_000);
const SERVERS = 2_000;
const CHUNKS_PER_SERVER = 10;
const RUNS = 5;

function inputText() {
  const lines = ['{"src": "c0", "dest": "n1", "body": {"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1"]}}'];
  for (let i = 0; i < LINES; i++) {
    const s = i % SERVERS;
    const server = `cs${s}`;
    const chunks = Array.from({ length: CHUNKS_PER_SERVER }, (_, k) => `ch_${(s * 7 + k * 13) % 50_000}`);
    const body = { type: 'heartbeat', msg_id: i + 2, server, chunks, disk_usage_pct: (s % 80) + 0.5, health: 'healthy' };
    lines.push(JSON.stringify({ src: server, dest: 'n1', body }));
  }
  return lines.join('\n') + '\n';
}

/** Runs a node script with the input file on stdin; returns wall ms and stdout lines. */
function timed(args, inputPath) {
  return new Promise((resolve, reject) => {
    const input = openSync(inputPath, 'r');
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: [input, 'pipe', 'ignore'] });
    closeSync(input);
    let lines = 0;
    child.stdout.on('data', (chunk) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}`));
      else resolve({ ms: performance.now() - started, lines });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'chunkmaster-bench-'));
try {
  const inputPath = join(dir, 'heartbeats.jsonl');
  writeFileSync(inputPath, inputText());
  const ours = [];
  const bare = [];
  for (let run = 0; run < RUNS; run++) {
    const a = await timed([join(DIST, 'cli.js'), 'stdio'], inputPath);
    if (a.lines !== LINES + 1) throw new Error(`chunkmaster answered ${a.lines} of ${LINES + 1} lines`);
    ours.push(a.ms);
    const b = await timed([new URL('./fixtures/bare-lines.mjs', import.meta.url).pathname], inputPath);
    bare.push(b.ms);
  }
  const oursRate = LINES / (median(ours) / 1000);
  const bareRate = LINES / (median(bare) / 1000);
  emit(row({
    section: SECTION,
    figure: `${LINES} heartbeat lines through chunkmaster stdio (lines/s, median of ${RUNS})`,
    value: Math.round(oursRate),
    unit: 'lines/s',
    baseline: Math.round(bareRate),
    bar: 0.6,
    better: 'higher',
    barOn: 'ratio',
    note: `baseline: bare readline + JSON.parse + JSON.stringify loop; ${CHUNKS_PER_SERVER} chunks per heartbeat; ours ${round(median(ours), 0)} ms, bare ${round(median(bare), 0)} ms`,
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
