#!/usr/bin/env node
// `npm run demo`: a daemon, a fleet, a few deaths and revivals, narrated.
// Takes the same flags as `chunkmaster fleet` and `serve` (see --help);
// they override the demo's own defaults.
import { ConfigError, loadConfig } from '../runtime/config.js';
import { DEMO_DEFAULTS, runDemo } from './demo.js';

export async function main(argv: readonly string[]): Promise<number> {
  let config;
  try {
    // parseArgs keeps the last value given, so the caller's flags win.
    const parsed = loadConfig([...DEMO_DEFAULTS, ...argv], process.env);
    if (parsed.help || parsed.positionals.length > 0) {
      process.stdout.write('usage: npm run demo [-- --servers N --kill COUNT@SECONDS --revive-after-ms MS --duration-ms MS ...]\n');
      return parsed.help ? 0 : 2;
    }
    config = parsed.config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`demo: ${error.message}\n`);
    return 2;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    return await runDemo(config, { stdout: process.stdout, signal: stop.signal });
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

process.exitCode = await main(process.argv.slice(2));
