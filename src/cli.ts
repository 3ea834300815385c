#!/usr/bin/env node
import { Master } from './core/index.js';
import { ConfigError, type ParsedCommandLine, loadConfig, settingsHelp } from './runtime/config.js';
import { CoreDriver } from './runtime/driver.js';
import { createLogger } from './runtime/logger.js';
import { monotonicClock } from './runtime/clock.js';
import { StdioNode } from './transport/stdio.js';

const USAGE = `usage: chunkmaster <command> [options]

commands:
  stdio      run the Maelstrom node: JSON envelopes on stdin, replies on stdout

options (flag, else environment variable, else default):
${settingsHelp()}
  -h, --help                 show this help
`;

type Command = (parsed: ParsedCommandLine) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  stdio: runStdio,
};

async function runStdio({ config }: ParsedCommandLine): Promise<number> {
  const log = createLogger(config.logLevel);
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
  const command = name === undefined ? undefined : COMMANDS[name];
  if (command === undefined || extra.length > 0) {
    const what = name === undefined ? 'a command is required' : `unknown command or argument: ${[name, ...extra].join(' ')}`;
    process.stderr.write(`chunkmaster: ${what}\n\n${USAGE}`);
    return 2;
  }
  return command(parsed);
}

process.exitCode = await main(process.argv.slice(2));
