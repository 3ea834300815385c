#!/usr/bin/env node
import {
  ConfigError, type ConfigOf, EVERY_SETTING, FLEET_SETTINGS, type FleetCommandConfig, SERVE_SETTINGS, STATUS_SETTINGS, STDIO_SETTINGS,
  type ServeConfig, type StatusCommandConfig, type StdioConfig, loadConfig, settingsHelp,
} from './runtime/config.js';
import { startCore } from './runtime/core-process.js';
import { LOG_CLOSE_MS, openLog } from './runtime/logger.js';
import type { Slices } from './runtime/settings.js';
import { createToken, digestOf } from './runtime/tokens.js';
import { StdioNode } from './transport/stdio.js';

interface Command {
  summary: string;
  /** Gets every argument but the command name; returns the exit code. */
  run: (args: readonly string[]) => Promise<number>;
}

const HELP_LINE = '  -h, --help                 show this help\n';

const COMMANDS = new Map<string, Command>([
  ['stdio', withSettings('stdio', 'run the Maelstrom node: JSON envelopes on stdin, replies on stdout', STDIO_SETTINGS, runStdio)],
  ['serve', withSettings('serve', 'run the HTTP/WebSocket daemon on --host and --port', SERVE_SETTINGS, runServe)],
  ['fleet', withSettings('fleet', 'simulate chunk servers heartbeating to a running master (--url)', FLEET_SETTINGS, runFleet)],
  ['simulate', { summary: 'run a deterministic fault simulation (chunkmaster simulate --help)', run: runSimulate }],
  // Its exit code is the health (0, 1, 2), so a bad flag is 3 there: the health could not be told.
  ['status', withSettings('status', "show a running master's health checks and servers, worst first (--url)", STATUS_SETTINGS, runStatus, 0, 3)],
  ['token', withSettings('token [SERVER_ID]', 'print a fresh bearer token and its tokens-file line (token [SERVER_ID])', {}, runToken, 1)],
]);

const USAGE = `usage: chunkmaster <command> [options]

commands:
${[...COMMANDS].map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`).join('\n')}

options (flag, else environment variable, else default), by the commands they are for
(chunkmaster <command> --help shows one command's):
${settingsHelp()}

${HELP_LINE}`;

/** One command's usage: only the settings it reads. */
function commandUsage(synopsis: string, summary: string, slices: Slices): string {
  const options = Object.values(slices);
  const settings = options.length === 0 ? '' : `options (flag, else environment variable, else default):\n${settingsHelp(options)}\n\n`;
  return `usage: chunkmaster ${synopsis} [options]\n\n${summary}\n\n${settings}${HELP_LINE}`;
}

type SettingsCommand<S extends Slices> = (config: ConfigOf<S>, args: string[]) => Promise<number>;

/** A command configured by its slices of settings (flags, environment, defaults). */
function withSettings<S extends Slices>(synopsis: string, summary: string, slices: S, run: SettingsCommand<S>, maxArgs = 0, usageCode = 2): Command {
  const usage = commandUsage(synopsis, summary, slices);
  return {
    summary,
    run: async (args) => {
      const parsed = parseSettings(args, slices, usage, usageCode);
      if (typeof parsed === 'number') return parsed;
      if (parsed.positionals.length > maxArgs) return usageError(`unknown argument: ${parsed.positionals.join(' ')}`, usage, usageCode);
      return run(parsed.config, parsed.positionals);
    },
  };
}

function parseSettings<S extends Slices>(args: readonly string[], slices: S, usage: string, usageCode = 2) {
  let parsed;
  try {
    parsed = loadConfig(args, process.env, slices);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return usageError(error.message, usage, usageCode);
  }
  if (!parsed.help) return parsed;
  process.stdout.write(usage);
  return 0;
}

function usageError(what: string, usage: string, code = 2): number {
  process.stderr.write(`chunkmaster: ${what}\n\n${usage}`);
  return code;
}

async function runStdio({ master, logging }: StdioConfig): Promise<number> {
  const { log, output } = openLog(logging.logLevel, { format: logging.logFormat });
  const core = startCore(master, log);
  const node = new StdioNode(core.driver, process.stdout, log);
  // A reader that goes away (EPIPE) ends the node quietly instead of crashing it.
  let stdoutClosed = false;
  process.stdout.on('error', (error) => {
    if (stdoutClosed) return;
    stdoutClosed = true;
    log.warn({ err: error }, 'stdout closed; exiting');
    void output.close(LOG_CLOSE_MS).then(() => process.exit(0));
  });
  log.info({ config: master }, 'stdio node started');
  await node.run(process.stdin);
  core.close();
  // Logs are written asynchronously: give them a moment, but a stuck stderr cannot hold the exit.
  await output.close(LOG_CLOSE_MS);
  return 0;
}

async function runServe(config: ServeConfig): Promise<number> {
  // Loaded on demand: Fastify and its plugins would slow the stdio node's start.
  const { ServeError, serve } = await import('./transport/http/serve.js');
  const { log, output } = openLog(config.logging.logLevel, { format: config.logging.logFormat });
  try {
    await serve(config, log, output);
  } catch (error) {
    if (!(error instanceof ServeError)) throw error;
    process.stderr.write(`chunkmaster: ${error.message}\n`);
    return 2;
  }
  return 0;
}

async function runToken(_config: unknown, [server]: string[]): Promise<number> {
  const token = createToken();
  const line = server === undefined ? JSON.stringify(digestOf(token)) : `${JSON.stringify(server)}: ${JSON.stringify(digestOf(token))}`;
  const where = server === undefined ? 'add to "operators"' : 'add to "servers"';
  process.stdout.write(`${token}\n${line}\n`);
  process.stderr.write(`chunkmaster: line 1 is the bearer token (keep it secret); line 2 is its tokens-file entry (${where})\n`);
  return 0;
}

async function runFleet({ fleet }: FleetCommandConfig): Promise<number> {
  // Loaded on demand: the HTTP and WebSocket clients would slow every other command's start.
  const [{ runFleet: drive }, { readTokenFile }] = await Promise.all([import('./fleet/fleet.js'), import('./fleet/transport.js')]);
  let token;
  try {
    token = await readTokenFile(fleet.tokenFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`chunkmaster: ${error.message}\n`);
    return 2;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const stats = await drive(fleet, token, { stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
    return stats.failed > 0 || stats.ok === 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

async function runStatus({ status }: StatusCommandConfig): Promise<number> {
  // Loaded on demand, as the other commands' modules are.
  const [{ runStatus: show }, { paintFor }] = await Promise.all([import('./status/command.js'), import('./status/render.js')]);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const io = {
      out: (text: string) => process.stdout.write(text),
      err: (text: string) => process.stderr.write(text),
      paint: paintFor(process.stdout.isTTY, process.env),
      tty: process.stdout.isTTY === true,
      signal: stop.signal,
    };
    return await show(status, io);
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
  const parsed = parseSettings(argv, EVERY_SETTING, USAGE);
  if (typeof parsed === 'number') return parsed;
  const [first] = parsed.positionals;
  return usageError(first === undefined ? 'a command is required' : `unknown command or argument: ${parsed.positionals.join(' ')}`, USAGE);
}

process.exitCode = await main(process.argv.slice(2));
