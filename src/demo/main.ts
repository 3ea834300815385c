#!/usr/bin/env node
// `npm run demo`: a daemon, a fleet, a few deaths and revivals, narrated.
// Takes every `serve` flag but logging (forwarded to its daemon) and every
// `fleet` flag but --url (see --help); they override the demo's own defaults.
import { ConfigError } from '../runtime/config.js';
import { DEMO_SETTINGS, type DemoCommandLine, parseDemoCommandLine } from '../runtime/config/demo.js';
import { settingsHelp } from '../runtime/settings.js';
import { runDemo } from './demo.js';
import { DaemonRefused } from './daemon.js';

const USAGE = `usage: npm run demo [-- --servers N --kill COUNT@SECONDS --revive-after-ms MS --duration-ms MS ...]

Starts \`chunkmaster serve\` with the serve flags given (the demo's defaults first) and a fleet
against it. The daemon logs JSON at info for the demo to read, so logging flags are not taken.

options (flag, else environment variable, else default):
${settingsHelp(Object.values(DEMO_SETTINGS))}

  -h, --help  show this help
`;

export async function main(argv: readonly string[]): Promise<number> {
  let parsed: DemoCommandLine;
  try {
    parsed = parseDemoCommandLine(argv, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`demo: ${error.message}\n`);
    return 2;
  }
  if (parsed.help || parsed.positionals.length > 0) {
    (parsed.help ? process.stdout : process.stderr).write(parsed.help ? USAGE : `demo: unknown argument: ${parsed.positionals.join(' ')}\n\n${USAGE}`);
    return parsed.help ? 0 : 2;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    return await runDemo(parsed, { stdout: process.stdout, signal: stop.signal });
  } catch (error) {
    const refused = error instanceof DaemonRefused || error instanceof ConfigError;
    process.stderr.write(`demo: ${error instanceof DaemonRefused ? `the daemon refused its settings: ${error.message}` : (error as Error).message}\n`);
    return refused ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

process.exitCode = await main(process.argv.slice(2));
