import { isIP } from 'node:net';
import closeWithGrace from 'close-with-grace';
import type { DaemonConfig, GroupConfig, ServeConfig } from '../../runtime/config.js';
import type { CoreDriver } from '../../runtime/driver.js';
import { startCore } from '../../runtime/core-process.js';
import { warmUp } from '../../runtime/warm-up.js';
import { LOG_CLOSE_MS, type LogOutput, type Logger } from '../../runtime/logger.js';
import { TokenStore, TokensFileError } from '../../runtime/tokens.js';
import { buildApp } from './app.js';

export class ServeError extends Error {
  override name = 'ServeError';
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The token store the config asks for; refuses an open daemon off loopback unless told --insecure. */
export function loadTokens(config: DaemonConfig): TokenStore | undefined {
  if (config.tokensFile === undefined) {
    if (!isLoopback(config.host) && !config.insecure) {
      throw new ServeError(
        `refusing to serve ${config.host} without --tokens-file: anyone who can reach it could drain servers. ` +
          'Give --tokens-file FILE, bind 127.0.0.1, or pass --insecure.',
      );
    }
    return undefined;
  }
  try {
    return TokenStore.load(config.tokensFile);
  } catch (error) {
    if (!(error instanceof TokensFileError)) throw error;
    throw new ServeError(`--tokens-file ${config.tokensFile}: ${error.message}`);
  }
}

/**
 * Runs the HTTP/WebSocket daemon until SIGTERM or SIGINT, then closes every
 * socket and exits 0 (close-with-grace gives up after 10 s and exits 1).
 * `output` is the logger's destination: its drop count goes to /metrics, and
 * shutdown waits at most LOG_CLOSE_MS for it, so a stuck stderr cannot hold the exit.
 */
export async function serve({ master, daemon, group: groupConfig }: ServeConfig, log: Logger, output: LogOutput): Promise<void> {
  const tokens = loadTokens(daemon);
  const core = startCore(master, log);
  warmUp(master);
  // Joined before listening: the core is a follower before it answers anyone.
  const group = await joinGroup(groupConfig, core.driver, log);
  const app = buildApp({ driver: core.driver, tokens, limits: daemon.http, logger: log, logDrops: () => output.dropped, group });
  try {
    await app.listen({ host: daemon.host, port: daemon.port });
  } catch (error) {
    await group?.close();
    core.close();
    await app.close();
    throw new ServeError(`cannot listen on ${daemon.host}:${daemon.port}: ${(error as Error).message}`);
  }
  // Installed only once listening: a failed start must keep its exit code.
  closeWithGrace({ delay: 10_000, logger: log }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'closing after an error');
    else log.info({ signal }, 'shutting down');
    // Resigned first: another master leads at once rather than a lease later.
    await group?.close();
    await app.close();
    core.close();
    await output.close(LOG_CLOSE_MS);
  });
  if (tokens === undefined) log.warn('no --tokens-file: the daemon is open, every client acts as an operator');
  else log.info({ tokens: tokens.size }, 'bearer tokens loaded');
  log.info({ config: master, group: groupConfig.etcd && groupConfig, addresses: app.addresses() }, 'daemon started');
}

/** With --etcd: this master joins its group (etcd3 is loaded only then). */
async function joinGroup(config: GroupConfig, driver: CoreDriver, log: Logger) {
  const { etcd, masterId, advertiseUrl } = config;
  if (etcd === undefined || masterId === undefined || advertiseUrl === undefined) return undefined;
  const { GroupMember } = await import('../../ha/group.js');
  const member = new GroupMember({ ...config, etcd, masterId, advertiseUrl }, driver, log);
  member.start();
  return member;
}
