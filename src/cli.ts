#!/usr/bin/env node
import { Master } from './core/index.js';
import { ConfigError, type ParsedCommandLine, loadConfig, settingsHelp } from './runtime/config.js';
import { CoreDriver } from './runtime/driver.js';
import { createLogger } from './runtime/logger.js';
import { monotonicClock } from './runtime/clock.js';
import { runSimulateCommand } from './sim/command.js';
import { StdioNode } from './transport/stdio.js';

interface Command {
  summary: string;
  /** Gets every argument but the command name; returns the exit code. */
  run: (args: readonly string[]) => Promise<number>;
}

const COMMANDS = new Map<string, Command>([
  ['stdio', { summary: 'run the Maelstrom node: JSON envelopes on stdin, replies on stdout', run: daemon(runStdio) }],
  [
    'simulate',
    {
      summary: 'run a deterministic fault simulation (chunkmaster simulate --help)',
      run: async (args) => runSimulateCommand(args, { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) }),
    },
  ],
]);

const USAGE = `usage: chunkmaster <command> [options]

commands:
${[...COMMANDS].map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`).join('\n')}

options (flag, else environment variable, else default):
${settingsHelp()}
  -h, --help                 show this help
`;

/** A command that runs the master with the daemon settings (flags, environment, defaults). */
function daemon(run: (parsed: ParsedCommandLine) => Promise<number>): Command['run'] {
  return async (args) => {
    const parsed = parseSettings(args);
    if (typeof parsed === 'number') return parsed;
    if (parsed.positionals.length > 0) return usageError(`unknown argument: ${parsed.positionals.join(' ')}`);
    return run(parsed);
  };
}

function parseSettings(args: readonly string[]): ParsedCommandLine | number {
  let parsed: ParsedCommandLine;
  try {
    parsed = loadConfig(args, process.env);
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
  const log = createLogger(config.logLevel);
  const driver = new CoreDriver(new Master(monotonicClock.now(), config.core));
  driver.onEvent((event) => log.info(event, event.type.replaceAll('_', ' ')));
  const node = new StdioNode(driver, process.stdout, log);
  log.info({ config: config.core }, 'stdio node started');
  await node.run(process.stdin);
  driver.close();
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  const at = argv.findIndex((arg) => COMMANDS.has(arg));
  const command = at < 0 ? undefined : COMMANDS.get(argv[at] as string);
  if (command === undefined) {
    const parsed = parseSettings(argv);
    if (typeof parsed === 'number') return parsed;
    const [name] = parsed.positionals;
    return usageError(name === undefined ? 'a command is required' : `unknown command or argument: ${parsed.positionals.join(' ')}`);
  }
  return command.run([...argv.slice(0, at), ...argv.slice(at + 1)]);
}

process.exitCode = await main(process.argv.slice(2));
