import t from 'tap';
import { ConfigError, SERVE_SETTINGS, loadConfig } from '../../../src/runtime/config.js';

const group = (args: string[], env: NodeJS.ProcessEnv = {}) => loadConfig(args, env, SERVE_SETTINGS).config.group;

t.test('without --etcd the daemon is a single master', async (t) => {
  t.same(group([]), { etcd: undefined, masterId: undefined, advertiseUrl: undefined, leaderLeaseMs: 5000, etcdPrefix: 'chunkmaster/' });
});

t.test('with --etcd, the group settings from flags or the environment', async (t) => {
  const config = group(['--etcd', 'http://127.0.0.1:2379, http://127.0.0.1:2380/', '--master-id', 'm1', '--leader-lease-ms', '3000'], {
    CHUNKMASTER_ADVERTISE_URL: 'http://10.0.0.1:7070/',
    CHUNKMASTER_ETCD_PREFIX: 'cm-test/',
  });
  t.same(config, {
    etcd: ['http://127.0.0.1:2379', 'http://127.0.0.1:2380/'],
    masterId: 'm1',
    advertiseUrl: 'http://10.0.0.1:7070',
    leaderLeaseMs: 3000,
    etcdPrefix: 'cm-test/',
  });
});

t.test('a group needs its name and address, and only a group takes them', async (t) => {
  t.throws(() => group(['--etcd', 'http://e:2379', '--advertise-url', 'http://m:1']), new ConfigError('--etcd needs --master-id: each master of a group is named'));
  t.throws(() => group(['--etcd', 'http://e:2379', '--master-id', 'm1']), /--etcd needs --advertise-url/);
  t.throws(() => group(['--master-id', 'm1']), /--master-id needs --etcd/);
  t.throws(() => group([], { CHUNKMASTER_LEADER_LEASE_MS: '4000' }), /--leader-lease-ms needs --etcd/);
});

t.test('bad URLs and leases are refused, naming the flag', async (t) => {
  t.throws(() => group(['--etcd', 'etcd:2379']), /--etcd: expected http\(s\):\/\/host:port/);
  t.throws(() => group(['--etcd', 'http://e:2379', '--master-id', 'm', '--advertise-url', 'm:7070']), /--advertise-url: expected the URL/);
  t.throws(() => group(['--etcd', 'http://e:2379', '--master-id', 'm', '--advertise-url', 'http://m', '--leader-lease-ms', '500']), /--leader-lease-ms: expected an integer from 2000/);
});
