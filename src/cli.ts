#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { Master } from './core/index.js';
import { ConfigError, type ParsedCommandLine, loadConfig, settingsHelp } from './runtime/config.js';
import { CoreDriver } from './runtime/driver.js';
import { createLogger } from './runtime/logger.js';
import { monotonicClock } from './runtime/clock.js';
import { createToken, digestOf } from './runtime/tokens.js';
import { StdioNode } from './transport/stdio.js';

const USAGE = `usage: chunkmaster <command> [options]

commands:
  stdio        run the Maelstrom node: JSON envelopes on stdin, replies on stdout
  serve        run the HTTP/WebSocket daemon on --host and --port
  fleet        simulate chunk servers heartbeating to a running master (--url)
  token [ID]   print a fresh bearer token and its tokens-file line
               (for chunk server ID, else for an operator)

options (flag, else environment variable, else default):
${settingsHelp()}
  -h, --help                 show this help
`;

type Command = (parsed: ParsedCommandLine, args: string[]) => Promise<number>;

/** Each command and how many arguments it takes at most. */
const COMMANDS = new Map<string, { run: Command; maxArgs: number }>([
  ['stdio', { run: runStdio, maxArgs: 0 }],
  ['serve', { run: runServe, maxArgs: 0 }],
  ['token', { run: runToken, maxArgs: 1 }],
  ['fleet', { run: runFleetCommand, maxArgs: 0 }],
]);

async function runStdio({ config }: ParsedCommandLine): Promise<number> {
  const log = createLogger(config.logLevel, { format: config.logFormat });
  const driver = new CoreDriver(new Master(monotonicClock.now(), config.core));
  driver.onEvent((event) => log.info(event, event.type.replace('_', ' ')));
  const node = new StdioNode(driver, process.stdout, log);
  // A reader that goes away (EPIPE) ends the node quietly instead of crashing it.
  process.stdout.on('error', (error) => {
    log.warn({ err: error }, 'stdout closed; exiting');
    process.exit(0);
  });
  log.info({ config: config.core }, 'stdio node started');
  await node.run(process.stdin);
  driver.close();
  return 0;
}

async function runServe({ config }: ParsedCommandLine): Promise<number> {
  // Loaded on demand: Fastify and its plugins would slow the stdio node's start.
  const { ServeError, serve } = await import('./transport/http/serve.js');
  const log = createLogger(config.logLevel, { format: config.logFormat });
  try {
    await serve(config, log);
  } catch (error) {
    if (!(error instanceof ServeError)) throw error;
    process.stderr.write(`chunkmaster: ${error.message}\n`);
    return 2;
  }
  return 0;
}

async function runToken(_parsed: ParsedCommandLine, [server]: string[]): Promise<number> {
  const token = createToken();
  const line = server === undefined ? JSON.stringify(digestOf(token)) : `${JSON.stringify(server)}: ${JSON.stringify(digestOf(token))}`;
  const where = server === undefined ? 'add to "operators"' : 'add to "servers"';
  process.stdout.write(`${token}\n${line}\n`);
  process.stderr.write(`chunkmaster: line 1 is the bearer token (keep it secret); line 2 is its tokens-file entry (${where})\n`);
  return 0;
}

async function runFleetCommand({ config }: ParsedCommandLine): Promise<number> {
  // Loaded on demand: the HTTP and WebSocket clients would slow every other command's start.
  const { runFleet } = await import('./fleet/fleet.js');
  const token = config.tokenFile === undefined ? undefined : (await readFile(config.tokenFile, 'utf8')).trim();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const stats = await runFleet(config.fleet, token, { stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
    return stats.failed > 0 || stats.ok === 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ParsedCommandLine;
  try {
    parsed = loadConfig(argv, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`chunkmaster: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  const [name, ...extra] = parsed.positionals;
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS.get(name);
  if (command === undefined || extra.length > command.maxArgs) {
    const what = name === undefined ? 'a command is required' : `unknown command or argument: ${[name, ...extra].join(' ')}`;
    process.stderr.write(`chunkmaster: ${what}\n\n${USAGE}`);
    return 2;
  }
  return command.run(parsed, extra);
}

process.exitCode = await main(process.argv.slice(2));
