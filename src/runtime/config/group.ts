import { ConfigError, type Slice, int, setting, text } from '../settings.js';

/** Several masters on etcd (CONTRACT 10); `etcd` undefined: one master, nothing of this applies. */
export interface GroupConfig {
  etcd: string[] | undefined;
  masterId: string | undefined;
  advertiseUrl: string | undefined;
  leaderLeaseMs: number;
  etcdPrefix: string;
}

function urls(raw: string): string[] {
  const list = raw.split(',').map((url) => url.trim());
  for (const url of list) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(url)) throw new ConfigError(`expected http(s)://host:port[,...], got ${JSON.stringify(url)}`);
  }
  return list;
}

function advertised(raw: string): string {
  if (!/^https?:\/\/[^/\s]+/.test(raw)) throw new ConfigError(`expected the URL chunk servers reach this master at, got ${JSON.stringify(raw)}`);
  return raw.replace(/\/+$/, '');
}

const NEEDS_ETCD = ['master-id', 'advertise-url', 'leader-lease-ms', 'etcd-prefix'];

export const GROUP: Slice<GroupConfig> = {
  title: 'several masters on etcd (serve)',
  settings: [
    setting('etcd', 'etcd client URLs, comma-separated: run as one of several masters, one leader elected; without it, a single master (none)', urls, (c: GroupConfig, v) => { c.etcd = v; }),
    setting('master-id', "this master's name in its group, required with --etcd (none)", text, (c: GroupConfig, v) => { c.masterId = v; }),
    setting('advertise-url', 'the URL chunk servers and operators reach this master at, required with --etcd (none)', advertised, (c: GroupConfig, v) => { c.advertiseUrl = v; }),
    setting('leader-lease-ms', "the leader's etcd lease: a dead leader is replaced within about this (5000)", int(2000, 600_000), (c: GroupConfig, v) => { c.leaderLeaseMs = v; }),
    setting('etcd-prefix', 'where in etcd the group keeps its keys (chunkmaster/)', text, (c: GroupConfig, v) => { c.etcdPrefix = v; }),
  ],
  defaults: () => ({ etcd: undefined, masterId: undefined, advertiseUrl: undefined, leaderLeaseMs: 5000, etcdPrefix: 'chunkmaster/' }),
  finish(config, given) {
    if (config.etcd === undefined) {
      const stray = NEEDS_ETCD.find((flag) => given.has(flag));
      if (stray !== undefined) throw new ConfigError(`--${stray} needs --etcd: it only means something with several masters`);
      return;
    }
    if (config.masterId === undefined) throw new ConfigError('--etcd needs --master-id: each master of a group is named');
    if (config.advertiseUrl === undefined) throw new ConfigError('--etcd needs --advertise-url: the group tells chunk servers where the leader is');
  },
};
