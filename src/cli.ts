#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { Master } from './core/index.js';
import { ConfigError, type ParsedCommandLine, type SettingGroup, loadConfig, settingsHelp } from './runtime/config.js';
import { CoreDriver } from './runtime/driver.js';
import { logEvents } from './runtime/event-log.js';
import { LOG_CLOSE_MS, openLog } from './runtime/logger.js';
import { monotonicClock } from './runtime/clock.js';
import { createToken, digestOf } from './runtime/tokens.js';
import { StdioNode } from './transport/stdio.js';

interface Command {
  summary: string;
  /** Gets every argument but the command name; returns the exit code. */
  run: (args: readonly string[]) => Promise<number>;
}

const COMMANDS = new Map<string, Command>([
  ['stdio', { summary: 'run the Maelstrom node: JSON envelopes on stdin, replies on stdout', run: withSettings(runStdio, ['master', 'logging']) }],
  ['serve', { summary: 'run the HTTP/WebSocket daemon on --host and --port', run: withSettings(runServe, ['master', 'daemon', 'logging']) }],
  ['fleet', { summary: 'simulate chunk servers heartbeating to a running master (--url)', run: withSettings(runFleet, ['fleet', 'logging']) }],
  ['simulate', { summary: 'run a deterministic fault simulation (chunkmaster simulate --help)', run: runSimulate }],
  ['token', { summary: 'print a fresh bearer token and its tokens-file line (token [SERVER_ID])', run: withSettings(runToken, [], 1) }],
]);

const USAGE = `usage: chunkmaster <command> [options]

commands:
${[...COMMANDS].map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`).join('\n')}

options (flag, else environment variable, else default), by the commands they are for:
${settingsHelp()}

  -h, --help                 show this help
`;

type SettingsCommand = (parsed: ParsedCommandLine, args: string[]) => Promise<number>;

/** A command configured by its groups of the shared settings (flags, environment, defaults). */
function withSettings(run: SettingsCommand, groups: readonly SettingGroup[], maxArgs = 0): Command['run'] {
  return async (args) => {
    const parsed = parseSettings(args, groups);
    if (typeof parsed === 'number') return parsed;
    if (parsed.positionals.length > maxArgs) return usageError(`unknown argument: ${parsed.positionals.join(' ')}`);
    return run(parsed, parsed.positionals);
  };
}

function parseSettings(args: readonly string[], groups?: readonly SettingGroup[]): ParsedCommandLine | number {
  let parsed: ParsedCommandLine;
  try {
    parsed = loadConfig(args, process.env, groups);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return usageError(error.message);
  }
  if (!parsed.help) return parsed;
  process.stdout.write(USAGE);
  return 0;
}

function usageError(what: string): number {
  process.stderr.write(`chunkmaster: ${what}\n\n${USAGE}`);
  return 2;
}

async function runStdio({ config }: ParsedCommandLine): Promise<number> {
  const { log, output } = openLog(config.logLevel, { format: config.logFormat });
  const driver = new CoreDriver(new Master(monotonicClock.now(), config.core));
  const stopEventLog = logEvents(driver, log);
  const node = new StdioNode(driver, process.stdout, log);
  // A reader that goes away (EPIPE) ends the node quietly instead of crashing it.
  let stdoutClosed = false;
  process.stdout.on('error', (error) => {
    if (stdoutClosed) return;
    stdoutClosed = true;
    log.warn({ err: error }, 'stdout closed; exiting');
    void output.close(LOG_CLOSE_MS).then(() => process.exit(0));
  });
  log.info({ config: config.core }, 'stdio node started');
  await node.run(process.stdin);
  driver.close();
  stopEventLog();
  // Logs are written asynchronously: give them a moment, but a stuck stderr cannot hold the exit.
  await output.close(LOG_CLOSE_MS);
  return 0;
}

async function runServe({ config }: ParsedCommandLine): Promise<number> {
  // Loaded on demand: Fastify and its plugins would slow the stdio node's start.
  const { ServeError, serve } = await import('./transport/http/serve.js');
  const { log, output } = openLog(config.logLevel, { format: config.logFormat });
  try {
    await serve(config, log, output);
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

async function runFleet({ config }: ParsedCommandLine): Promise<number> {
  // Loaded on demand: the HTTP and WebSocket clients would slow every other command's start.
  const { runFleet: drive } = await import('./fleet/fleet.js');
  const token = config.tokenFile === undefined ? undefined : (await readFile(config.tokenFile, 'utf8')).trim();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const stats = await drive(config.fleet, token, { stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
    return stats.failed > 0 || stats.ok === 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

async function runSimulate(args: readonly string[]): Promise<number> {
  const { runSimulateCommand } = await import('./sim/command.js');
  return runSimulateCommand(args, { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) });
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name = '', ...rest] = argv;
  const command = COMMANDS.get(name);
  if (command !== undefined) return command.run(rest);
  // No command first: still honour --help and report bad settings before the missing command.
  const parsed = parseSettings(argv);
  if (typeof parsed === 'number') return parsed;
  const [first] = parsed.positionals;
  return usageError(first === undefined ? 'a command is required' : `unknown command or argument: ${parsed.positionals.join(' ')}`);
}

process.exitCode = await main(process.argv.slice(2));
