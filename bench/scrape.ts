/**
 * What a `/metrics` scrape and a `/replication` page cost right after a
 * server holding 1M replicas died, and once its sweep is done: the cheap
 * reads (replicationSummary, underReplicatedPage) against what both routes
 * did before (checkReplication(), which first finishes the whole sweep).
 * Run: npm run bench:scrape
 */
import { performance } from 'node:perf_hooks';
import { type Master, replicationSummary, underReplicatedPage } from '../src/core/index.js';
import { CoreDriver } from '../src/runtime/driver.js';
import { Metrics } from '../src/transport/http/metrics.js';
import { masterWithBigHolder } from './fixtures/big-holder.js';

const CHUNKS = Number(process.env['BENCH_CHUNKS'] ?? 1_000_000);
const SERVERS = 100;
const INTERVAL = 5000;
const DEATH_AT = INTERVAL * 3;

/** A clock the bench moves by hand, so the death happens when it says. */
class HandClock {
  current = 0;
  now(): number {
    return this.current;
  }
}

/** cs0 holds every chunk, two more replicas spread over the others; cs0 dies at DEATH_AT. */
function build(): { master: Master; clock: HandClock; driver: CoreDriver } {
  const master = masterWithBigHolder(CHUNKS, SERVERS);
  for (let s = 1; s < SERVERS; s++) master.heartbeat(INTERVAL * 2, { server: `cs${s}` });
  const clock = new HandClock();
  clock.current = DEATH_AT + 29;
  const driver = new CoreDriver(master, clock);
  return { master, clock, driver };
}

function timed<T>(work: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = work();
  return { ms: +(performance.now() - started).toFixed(1), value };
}

async function timedAsync(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return +(performance.now() - started).toFixed(1);
}

/** What refresh() and GET /replication did before: every server, then the exact list. */
function oldRead(master: Master, now: number): number {
  master.serverStatus(now);
  master.replicationState(now);
  return master.checkReplication(now).length;
}

/** The new reads and the old one on the same death: the old one goes last, since it finishes the sweep. */
async function compare(): Promise<Record<string, unknown>> {
  const { master, clock, driver } = build();
  const now = clock.current;
  const metrics = new Metrics(driver);
  const scrape = await timedAsync(() => metrics.text());
  const summary = timed(() => replicationSummary(master, now));
  const page = timed(() => underReplicatedPage(master, now, 1000));
  const old = timed(() => oldRead(master, now));
  // The sweep is done now (the old read finished it): scrapes and pages from here on.
  const scrapeAfter = await timedAsync(() => metrics.text());
  const first = timed(() => underReplicatedPage(master, now, 1000));
  const middle = timed(() => underReplicatedPage(master, now, 1000, { group: 3, chunk: `ch_${Math.floor(CHUNKS / 2)}` }));
  const largest = timed(() => underReplicatedPage(master, now, 10_000));
  const oldAfter = timed(() => oldRead(master, now));
  driver.close();
  return {
    rightAfterDeath: {
      newScrapeMs: scrape,
      newSummaryMs: summary.ms,
      summaryUnderReplicated: summary.value.underReplicated,
      summaryExact: summary.value.exact,
      replicasToSweep: summary.value.replicasToSweep,
      newPageMs: page.ms,
      newPageEntries: page.value.entries.length,
      oldReadMs: old.ms,
      oldReadEntries: old.value,
    },
    afterSweep: {
      newScrapeMs: scrapeAfter,
      summaryUnderReplicated: replicationSummary(master, now).underReplicated,
      firstPageMs: first.ms,
      middlePageMs: middle.ms,
      page10000Ms: largest.ms,
      oldReadMs: oldAfter.ms,
    },
  };
}

/** A scrape every 40 ticks while the ticks sweep, as a live daemon scraped every few hundred ms would see them. */
async function duringSweep(): Promise<Record<string, unknown>> {
  const { master, clock, driver } = build();
  const metrics = new Metrics(driver);
  const scrapes: number[] = [];
  let ticks = 0;
  // The death's own tick: it notices the death and sweeps the first batch.
  driver.run((now) => master.tick(now));
  for (; master.nextDeadline() === clock.current; ticks++) {
    if (ticks % 40 === 0) scrapes.push(await timedAsync(() => metrics.text()));
    driver.run((now) => master.tick(now));
  }
  driver.close();
  return { ticks, scrapes: scrapes.length, maxScrapeMs: Math.max(...scrapes), medianScrapeMs: scrapes.sort((a, b) => a - b)[scrapes.length >> 1] };
}

async function main(): Promise<void> {
  const compared = await compare();
  const during = await duringSweep();
  console.log(JSON.stringify({ chunks: CHUNKS, replicasOnDeadServer: CHUNKS, ...compared, duringSweep: during }, null, 2));
}

await main();
