import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { ConfigError, SERVE_SETTINGS, loadConfig } from '../../src/runtime/config.js';

// No Docker engine runs here: deploy/compose.yaml is parsed and checked
// against itself (etcd members, masters) and against the daemon's settings,
// so a flag renamed in the code fails here before it fails in a deployment.

const deployDir = new URL('../../deploy/', import.meta.url);
const text = readFileSync(new URL('compose.yaml', deployDir), 'utf8');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: unknown;
  ports?: unknown[];
  volumes?: unknown[];
  secrets?: (string | { source: string; target?: string })[];
  depends_on?: string[] | Record<string, unknown>;
  healthcheck?: { test?: unknown };
}
interface Compose {
  services?: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string }>;
}

const ETCD_IMAGE = /^(quay\.io\/coreos|gcr\.io\/etcd-development)\/etcd:v3\.4\.23$/;
const HOST_PORTS = ['8081', '8082', '8083'];
const serveFlags = new Set(Object.values(SERVE_SETTINGS).flatMap((slice) => slice.settings.map((s) => s.flag)));

/** Every value given to `--flag` in `argv` (as `--flag value` or `--flag=value`). */
function values(argv: readonly string[], flag: string): string[] {
  const found: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === `--${flag}`) found.push(argv[i + 1] ?? '');
    else if (arg.startsWith(`--${flag}=`)) found.push(arg.slice(flag.length + 3));
  });
  return found;
}

/** Every `--flag` named in `argv`. */
const flagsOf = (argv: readonly string[]) => argv.filter((arg) => arg.startsWith('--')).map((arg) => arg.slice(2).split('=')[0] as string);

const argvOf = (service: Service): string[] | undefined =>
  Array.isArray(service.command) && service.command.every((arg) => typeof arg === 'string') ? (service.command as string[]) : undefined;

const urlOf = (raw: string): URL | undefined => (URL.canParse(raw) ? new URL(raw) : undefined);

/** What is wrong with a parsed compose file; empty when nothing is. */
function problems(compose: Compose): string[] {
  const out: string[] = [];
  const services = Object.entries(compose.services ?? {});
  const etcd = services.filter(([, s]) => typeof s.image === 'string' && ETCD_IMAGE.test(s.image));
  const masters = services.filter(([, s]) => s.build !== undefined);
  if (etcd.length !== 3) out.push(`expected 3 etcd members (${ETCD_IMAGE}), found ${etcd.length}`);
  if (masters.length !== 3) out.push(`expected 3 masters built from the Dockerfile, found ${masters.length}`);

  // One value of a flag, or a problem said.
  const one = (name: string, argv: readonly string[], flag: string): string => {
    const given = values(argv, flag);
    if (given.length !== 1) out.push(`${name}: --${flag} given ${given.length} times, expected once`);
    return given[0] ?? '';
  };
  // An http URL on the service's own name, or a problem said; its port.
  const ownUrl = (name: string, what: string, raw: string): string => {
    const url = urlOf(raw);
    if (url === undefined || url.protocol !== 'http:' || url.hostname !== name || url.port === '' || url.pathname !== '/') {
      out.push(`${name}: ${what} ${raw} is not http://${name}:PORT`);
    }
    return url?.port ?? '';
  };
  const listensOn = (name: string, what: string, raw: string, port: string) => {
    const url = urlOf(raw);
    if (url === undefined || url.port !== port || !['0.0.0.0', name].includes(url.hostname)) out.push(`${name}: ${what} ${raw} does not listen on port ${port}`);
  };

  // etcd: each member names itself and every other member in --initial-cluster, as they advertise themselves.
  const members = new Map<string, string>();
  const clientUrls: string[] = [];
  const clusters: string[] = [];
  const tokens = new Set<string>();
  const dataVolumes = new Set<string>();
  for (const [name, service] of etcd) {
    const argv = argvOf(service);
    if (argv === undefined || !/(^|\/)etcd$/.test(argv[0] ?? '')) {
      out.push(`${name}: command is not an exec-form etcd command line`);
      continue;
    }
    const member = one(name, argv, 'name');
    if (members.has(member)) out.push(`${name}: --name ${member} is not unique`);
    const peer = one(name, argv, 'initial-advertise-peer-urls');
    members.set(member, peer);
    listensOn(name, '--listen-peer-urls', one(name, argv, 'listen-peer-urls'), ownUrl(name, '--initial-advertise-peer-urls', peer));
    const client = one(name, argv, 'advertise-client-urls');
    clientUrls.push(client);
    listensOn(name, '--listen-client-urls', one(name, argv, 'listen-client-urls'), ownUrl(name, '--advertise-client-urls', client));
    clusters.push(one(name, argv, 'initial-cluster'));
    if (one(name, argv, 'initial-cluster-state') !== 'new') out.push(`${name}: --initial-cluster-state is not new`);
    tokens.add(one(name, argv, 'initial-cluster-token'));
    const dataDir = one(name, argv, 'data-dir');
    const mount = (service.volumes ?? []).find((v): v is string => typeof v === 'string' && v.endsWith(`:${dataDir}`));
    const volume = mount?.slice(0, -dataDir.length - 1);
    if (volume === undefined || !Object.hasOwn(compose.volumes ?? {}, volume)) out.push(`${name}: no named volume holds --data-dir ${dataDir}`);
    else if (dataVolumes.has(volume)) out.push(`${name}: data volume ${volume} is shared`);
    else dataVolumes.add(volume);
  }
  const expected = [...members].map(([member, peer]) => `${member}=${peer}`).sort();
  clusters.forEach((cluster, i) => {
    const named = cluster.split(',').sort();
    if (JSON.stringify(named) !== JSON.stringify(expected)) out.push(`${etcd[i]?.[0]}: --initial-cluster ${cluster} is not every member at its peer URL (${expected.join(',')})`);
  });
  if (tokens.size !== 1 || tokens.has('')) out.push(`the members do not share one --initial-cluster-token: ${[...tokens].join(', ')}`);

  // Masters: serve on every etcd member, each its own id and advertise URL, with tokens.
  const ids = new Set<string>();
  const hostPorts: string[] = [];
  for (const [name, service] of masters) {
    const context = typeof service.build === 'string' ? service.build : (service.build?.context ?? '.');
    const dockerfile = typeof service.build === 'string' ? 'Dockerfile' : (service.build?.dockerfile ?? 'Dockerfile');
    if (!existsSync(new URL(`${context}/${dockerfile}`, deployDir))) out.push(`${name}: build ${context}/${dockerfile} is not the project's Dockerfile`);
    const argv = argvOf(service);
    if (argv === undefined || argv[0] !== 'serve') {
      out.push(`${name}: command is not an exec-form serve command line`);
      continue;
    }
    const args = argv.slice(1);
    for (const flag of flagsOf(args)) if (!serveFlags.has(flag)) out.push(`${name}: --${flag} is not a setting of serve`);
    let daemon;
    try {
      daemon = loadConfig(args, {}, SERVE_SETTINGS).config.daemon;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      out.push(`${name}: serve refuses its command line: ${error.message}`);
    }
    const port = one(name, args, 'port');
    if (daemon !== undefined && (daemon.host !== '0.0.0.0' || String(daemon.port) !== port)) out.push(`${name}: does not serve 0.0.0.0:${port}`);

    // Off loopback: tokens, from a secret the compose file mounts; never --insecure.
    const tokensFile = one(name, args, 'tokens-file');
    if (args.includes('--insecure')) out.push(`${name}: runs --insecure`);
    const mounted = (service.secrets ?? []).some((secret) => {
      const source = typeof secret === 'string' ? secret : secret.source;
      const target = typeof secret === 'string' ? secret : (secret.target ?? secret.source);
      return compose.secrets?.[source]?.file !== undefined && (target.startsWith('/') ? target : `/run/secrets/${target}`) === tokensFile;
    });
    if (!mounted) out.push(`${name}: --tokens-file ${tokensFile} is not a secret the file defines and mounts`);

    const id = one(name, args, 'master-id');
    if (id === '' || ids.has(id)) out.push(`${name}: --master-id ${id} is not unique`);
    ids.add(id);
    if (ownUrl(name, '--advertise-url', one(name, args, 'advertise-url')) !== port) out.push(`${name}: --advertise-url is not on its --port ${port}`);
    const endpoints = one(name, args, 'etcd').split(',').sort();
    if (JSON.stringify(endpoints) !== JSON.stringify([...clientUrls].sort())) {
      out.push(`${name}: --etcd ${endpoints.join(',')} is not every member's client URL (${clientUrls.join(',')})`);
    }

    const published = (service.ports ?? []).map(String);
    const [host, inside, ...rest] = published[0]?.split(':') ?? [];
    if (published.length !== 1 || host === undefined || inside !== port || rest.length > 0) out.push(`${name}: does not publish its port ${port} once as HOST:${port}`);
    else hostPorts.push(host);
    const dependsOn = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const [member] of etcd) if (!dependsOn.includes(member)) out.push(`${name}: does not depend on ${member}`);
    const check = service.healthcheck?.test;
    if (!Array.isArray(check) || check[0] !== 'CMD' || check[1] !== 'node' || !String(check.at(-1)).includes(`fetch('http://127.0.0.1:${port}/healthz')`)) {
      out.push(`${name}: healthcheck does not fetch /healthz on port ${port} with node`);
    }
  }
  if (JSON.stringify(hostPorts.sort()) !== JSON.stringify(HOST_PORTS)) out.push(`the masters are published on ${hostPorts.join(', ')}, not ${HOST_PORTS.join(', ')}`);
  return out;
}

interface PrometheusConfig {
  rule_files?: string[];
  scrape_configs?: { job_name?: string; authorization?: { credentials_file?: string }; static_configs?: { targets?: string[] }[] }[];
}

const PROMETHEUS_IMAGE = /^prom\/prometheus:v2\.\d+\.\d+$/;

/**
 * What is wrong with the Prometheus service: it must load its config and the
 * alert rules from files of deploy/ it mounts, and scrape every master (and
 * nothing else) under the job the alerts name, with a token from a secret.
 */
function prometheusProblems(compose: Compose, config: PrometheusConfig): string[] {
  const out: string[] = [];
  const service = compose.services?.['prometheus'];
  if (service === undefined) return ['no prometheus service'];
  if (typeof service.image !== 'string' || !PROMETHEUS_IMAGE.test(service.image)) out.push(`prometheus: image ${service.image} is not ${PROMETHEUS_IMAGE}`);
  // Mounted files: the path inside, and the file of deploy/ it comes from.
  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    const [source, target] = String(volume).split(':');
    if (source?.startsWith('./') && target !== undefined) mounts.set(target, source);
  }
  const argv = argvOf(service) ?? [];
  const configFile = argv.find((arg) => arg.startsWith('--config.file='))?.slice('--config.file='.length) ?? '';
  const configSource = mounts.get(configFile);
  if (configSource === undefined || !existsSync(new URL(configSource, deployDir))) out.push(`prometheus: --config.file ${configFile} is not a mounted file of deploy/`);
  const configDir = configFile.slice(0, configFile.lastIndexOf('/') + 1);
  for (const rules of config.rule_files ?? []) {
    const inside = rules.startsWith('/') ? rules : `${configDir}${rules}`;
    const source = mounts.get(inside);
    if (source === undefined || !existsSync(new URL(source, deployDir))) out.push(`prometheus: rule file ${inside} is not a mounted file of deploy/`);
  }
  if ((config.rule_files ?? []).length === 0) out.push('prometheus: loads no rule file');

  const jobs = config.scrape_configs ?? [];
  const job = jobs.find((scrape) => scrape.job_name === 'chunkmaster');
  if (job === undefined) return [...out, 'prometheus: no scrape job chunkmaster (the alerts on up name it)'];
  const masters = Object.entries(compose.services ?? {}).filter(([, s]) => s.build !== undefined);
  const expected = masters.map(([name, s]) => `${name}:${values(argvOf(s) ?? [], 'port')[0]}`).sort();
  const targets = (job.static_configs ?? []).flatMap((group) => group.targets ?? []).sort();
  if (JSON.stringify(targets) !== JSON.stringify(expected)) out.push(`prometheus: scrapes ${targets.join(', ')}, not every master at its --port (${expected.join(', ')})`);
  const credentials = job.authorization?.credentials_file ?? '';
  const mounted = (service.secrets ?? []).some((secret) => {
    const source = typeof secret === 'string' ? secret : secret.source;
    const target = typeof secret === 'string' ? secret : (secret.target ?? secret.source);
    return compose.secrets?.[source]?.file !== undefined && `/run/secrets/${target}` === credentials;
  });
  if (!mounted) out.push(`prometheus: credentials_file ${credentials} is not a secret the file defines and mounts (the masters want a token)`);
  const dependsOn = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
  for (const [name] of masters) if (!dependsOn.includes(name)) out.push(`prometheus: does not depend on ${name}`);
  return out;
}

const compose = parse(text) as Compose;
const prometheusConfig = parse(readFileSync(new URL('prometheus/prometheus.yml', deployDir), 'utf8')) as PrometheusConfig;

t.test('deploy/compose.yaml: 3 etcd members and 3 masters that agree with each other and with the settings', async (t) => {
  t.same(problems(compose), []);
  t.same(Object.keys(compose.services ?? {}).sort(), ['etcd1', 'etcd2', 'etcd3', 'master1', 'master2', 'master3', 'prometheus']);
});

t.test('deploy/compose.yaml: Prometheus scrapes every master with a token and loads the alert rules', async (t) => {
  t.same(prometheusProblems(compose, prometheusConfig), []);
});

t.test('a broken Prometheus service or config is caught', async (t) => {
  const caught = (edit: (compose: Compose, config: PrometheusConfig) => void, message: RegExp) => {
    const [copy, config] = [structuredClone(compose), structuredClone(prometheusConfig)];
    edit(copy, config);
    const found = prometheusProblems(copy, config);
    t.ok(found.some((problem) => message.test(problem)), `${message}: ${found.join('; ')}`);
  };
  const job = (config: PrometheusConfig) => config.scrape_configs?.[0];
  caught((_, c) => job(c)?.static_configs?.[0]?.targets?.pop(), /scrapes .* not every master/);
  caught((_, c) => job(c)?.static_configs?.[0]?.targets?.push('master1:7070'), /scrapes .* not every master/);
  caught((_, c) => {
    const first = job(c);
    if (first !== undefined) first.job_name = 'masters';
  }, /no scrape job chunkmaster/);
  caught((_, c) => delete job(c)?.authorization, /credentials_file .* is not a secret/);
  caught((_, c) => (c.rule_files = ['other-alerts.yaml']), /rule file \/etc\/prometheus\/other-alerts.yaml is not a mounted file/);
  caught((_, c) => (c.rule_files = []), /loads no rule file/);
  caught((s) => s.services?.['prometheus']?.volumes?.shift(), /--config.file .* is not a mounted file/);
  caught((s) => {
    const prometheus = s.services?.['prometheus'];
    if (prometheus !== undefined) prometheus.depends_on = ['master1'];
  }, /does not depend on master2/);
  caught((s) => delete s.services?.['prometheus'], /no prometheus service/);
});

t.test('the HA flags it uses are serve settings (they come from the settings table, not from here)', async (t) => {
  for (const flag of ['etcd', 'master-id', 'advertise-url']) t.ok(serveFlags.has(flag), `--${flag}`);
});

t.test('a broken file is caught', async (t) => {
  const broken = (edit: (services: Record<string, Service>) => void): string[] => {
    const copy = structuredClone(compose);
    edit(copy.services as Record<string, Service>);
    return problems(copy);
  };
  const argv = (service: Service | undefined) => service?.command as string[];
  const set = (service: Service | undefined, flag: string, value: string) => {
    const command = argv(service);
    command[command.indexOf(`--${flag}`) + 1] = value;
  };
  // Each edit must add a problem of its own, whatever the file's state.
  const baseline = new Set(problems(compose));
  const caught = (edit: (services: Record<string, Service>) => void, message: RegExp) => {
    const found = broken(edit).filter((problem) => !baseline.has(problem));
    t.ok(found.some((problem) => message.test(problem)), `${message}: ${found.join('; ')}`);
  };
  caught((s) => set(s['etcd2'], 'initial-cluster', 'etcd1=http://etcd1:2380,etcd2=http://etcd2:2380'), /etcd2: --initial-cluster .* is not every member/);
  caught((s) => set(s['etcd3'], 'initial-advertise-peer-urls', 'http://etcd3:2381'), /etcd\d: --initial-cluster .* is not every member/);
  caught((s) => set(s['etcd3'], 'name', 'etcd1'), /etcd3: --name etcd1 is not unique/);
  caught((s) => set(s['etcd1'], 'advertise-client-urls', 'http://127.0.0.1:2379'), /etcd1: --advertise-client-urls .* is not http:\/\/etcd1:PORT/);
  caught((s) => set(s['etcd2'], 'initial-cluster-token', 'other'), /do not share one --initial-cluster-token/);
  caught((s) => set(s['master2'], 'master-id', 'm1'), /master2: --master-id m1 is not unique/);
  caught((s) => set(s['master3'], 'advertise-url', 'http://master1:8080'), /master3: --advertise-url .* is not http:\/\/master3:PORT/);
  caught((s) => set(s['master1'], 'etcd', 'http://etcd1:2379,http://etcd2:2379'), /master1: --etcd .* is not every member's client URL/);
  caught((s) => set(s['master1'], 'port', '9090'), /master1: does not publish its port 9090/);
  caught((s) => argv(s['master2']).push('--etcd-endpoints', 'http://etcd1:2379'), /master2: --etcd-endpoints is not a setting of serve/);
  caught((s) => argv(s['master2']).push('--port', 'eighty'), /master2: serve refuses its command line/);
  caught((s) => argv(s['master3']).splice(argv(s['master3']).indexOf('--tokens-file'), 2, '--insecure'), /master3: runs --insecure/);
  caught((s) => delete s['etcd3'], /expected 3 etcd members/);
});
