import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { startCli } from '../fixtures/cli.js';
import { ensureDebianPackage } from '../fixtures/debian.js';
import { startEtcd } from '../fixtures/etcd.js';
import { poll, startMaster } from '../fixtures/ha.js';

// The monitoring kit in deploy/: the alert rules pass promtool's checks and
// their own unit tests, and every metric the rules and the dashboard query is
// one a live daemon exports, so the kit cannot drift from the code.

const promtool = await ensureDebianPackage('prometheus', 'promtool');
const prometheusDir = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));
const RULES = join(prometheusDir, 'chunkmaster-alerts.yaml');
const RULE_TESTS = join(prometheusDir, 'chunkmaster-alerts.test.yaml');
const DASHBOARD = fileURLToPath(new URL('../../deploy/grafana/chunkmaster-dashboard.json', import.meta.url));

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Target {
  expr?: string;
}
interface Panel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  fieldConfig?: { defaults?: { unit?: string } };
}
interface Dashboard {
  panels?: Panel[];
  templating?: { list?: { name: string; type: string; query?: string | { query?: string } }[] };
}

const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules);
const alerts = rules.filter((rule) => rule.alert !== undefined);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const panels = dashboard.panels ?? [];

function run(args: string[], input?: string) {
  const result = spawnSync(promtool, args, { encoding: 'utf8', input, cwd: prometheusDir, timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Every metric a PromQL expression reads: chunkmaster's, Node's defaults and `up`. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(?:(?:chunkmaster|process|nodejs)_[A-Za-z0-9_]+|up(?=\{))/g)].map((match) => match[0]);
}

/** Every `name{label="value"}` an expression asks for by equality, but target labels and variables. */
function labelMatches(expr: string): { name: string; label: string; value: string }[] {
  const found: { name: string; label: string; value: string }[] = [];
  for (const [, name, matchers] of expr.matchAll(/\b(chunkmaster_[A-Za-z0-9_]+)\{([^}]*)\}/g)) {
    for (const [, label, value] of (matchers as string).matchAll(/(\w+)\s*=\s*"([^"]*)"/g)) {
      if (label === 'job' || label === 'instance' || (value as string).includes('$')) continue;
      found.push({ name: name as string, label: label as string, value: value as string });
    }
  }
  return found;
}

/** The chunkmaster_* families of a /metrics text, comments included. */
function ownFamilies(text: string): string {
  const nameOf = (line: string) => (line.startsWith('#') ? (line.split(' ')[2] ?? '') : line);
  return text
    .split('\n')
    .filter((line) => nameOf(line).startsWith('chunkmaster_'))
    .join('\n')
    .concat('\n');
}

/** Every sample of a /metrics text, as its name and labels. */
function samples(text: string): { name: string; labels: Record<string, string> }[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels] = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{([^}]*)\})?\s/.exec(line) ?? [];
      return { name: name ?? line, labels: Object.fromEntries([...(labels ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v])) };
    });
}

/** Every query of the dashboard: its panels' targets and its query variables. */
const dashboardExprs = (): string[] => [
  ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? '')),
  ...(dashboard.templating?.list ?? []).filter((v) => v.type === 'query').map((v) => (typeof v.query === 'string' ? v.query : (v.query?.query ?? ''))),
];

t.test('promtool check rules passes on the alert rules', async (t) => {
  const checked = run(['check', 'rules', RULES]);
  t.equal(checked.status, 0, checked.output);
  t.match(checked.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
});

t.test('every alert has a severity, a summary, a description and a runbook', async (t) => {
  t.ok(alerts.length >= 6, `${alerts.length} alerts`);
  for (const alert of alerts) {
    t.match(alert.labels?.['severity'], /^(warning|critical)$/, `${alert.alert}: severity`);
    for (const key of ['summary', 'description', 'runbook']) t.ok((alert.annotations?.[key] ?? '').length > 20, `${alert.alert}: ${key}`);
  }
  const names = new Set(alerts.map((alert) => alert.alert));
  for (const wanted of ['ChunkmasterServerDead', 'ChunkmasterChunksMissing', 'ChunkmasterUnderReplicationStuck', 'ChunkmasterBrakeEngaged', 'ChunkmasterSafeModeTooLong', 'ChunkmasterNoLeader']) {
    t.ok(names.has(wanted), wanted);
  }
});

t.test('promtool test rules passes, and every alert is seen firing in it', async (t) => {
  const tested = run(['test', 'rules', RULE_TESTS]);
  t.equal(tested.status, 0, tested.output);
  t.match(tested.output, /SUCCESS/);
  const cases = (parse(readFileSync(RULE_TESTS, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] }).tests;
  const fired = new Set(cases.flatMap((c) => (c.alert_rule_test ?? []).filter((a) => (a.exp_alerts ?? []).length > 0).map((a) => a.alertname)));
  for (const alert of alerts) t.ok(fired.has(alert.alert as string), `${alert.alert} is tested firing`);
});

t.test('the rule tests catch a broken rule', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chunkmaster-rules-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(RULE_TESTS, join(dir, 'chunkmaster-alerts.test.yaml'));
  const broken = (from: string, to: string) => {
    const text = readFileSync(RULES, 'utf8');
    t.ok(text.includes(from), from);
    writeFileSync(join(dir, 'chunkmaster-alerts.yaml'), text.replace(from, to));
    return spawnSync(promtool, ['test', 'rules', 'chunkmaster-alerts.test.yaml'], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  };
  t.not(broken('max without (instance) (chunkmaster_servers{state="dead"})', '(chunkmaster_servers{state="dead"})').status, 0, 'one alert per master');
  t.not(broken('{priority="missing"}) > 0', '{priority="missing"}) > 5').status, 0, 'missing chunks past a threshold');
  t.not(broken('offset 15m', 'offset 5m').status, 0, 'a shorter window for stuck under-replication');
  t.not(broken('(chunkmaster_leader) == 0\n        for: 1m', '(chunkmaster_leader) == 0\n        for: 0m').status, 0, 'no leader without a grace');
});

t.test("promtool check config passes on compose's Prometheus config, rules included", async (t) => {
  // The token is a compose secret; a stand-in file takes its place here.
  const dir = mkdtempSync(join(tmpdir(), 'chunkmaster-prometheus-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'token'), 'stand-in\n');
  copyFileSync(RULES, join(dir, 'chunkmaster-alerts.yaml'));
  const config = readFileSync(join(prometheusDir, 'prometheus.yml'), 'utf8');
  t.match(config, /credentials_file: \/run\/secrets\/chunkmaster-metrics-token/);
  writeFileSync(join(dir, 'prometheus.yml'), config.replace('/run/secrets/chunkmaster-metrics-token', join(dir, 'token')));
  const checked = run(['check', 'config', join(dir, 'prometheus.yml')]);
  t.equal(checked.status, 0, checked.output);
  t.match(checked.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
});

const STARTED = /"msg":"daemon started"/;
const PORT = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;

async function heartbeat(base: string, body: object): Promise<number> {
  const response = await fetch(`${base}/heartbeat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return response.status;
}

/** /metrics of a single master (no --etcd) with three servers heartbeating, one chunk short of copies, one heartbeat refused. */
async function singleMasterMetrics(t: Test): Promise<string> {
  const cli = startCli(['serve', '--port', '0', '--safe-mode-ms', '0']);
  t.teardown(() => cli.child.kill('SIGKILL'));
  const port = (await cli.waitForLog(PORT))[1];
  await cli.waitForLog(STARTED);
  const base = `http://127.0.0.1:${port}`;
  t.equal(await heartbeat(base, { server: 'cs1', chunks: ['ch_1', 'ch_2'] }), 200);
  t.equal(await heartbeat(base, { server: 'cs2', chunks: ['ch_1'] }), 200);
  t.equal(await heartbeat(base, { server: 'cs3', chunks: ['ch_1'] }), 200);
  t.equal(await heartbeat(base, { server: 'cs3', disk_usage_pct: 101 }), 400);
  const text = await (await fetch(`${base}/metrics`)).text();
  cli.child.kill('SIGTERM');
  t.equal((await cli.exited).code, 0);
  return text;
}

/** /metrics of a master run with --etcd, once it leads. */
async function groupedMasterMetrics(t: Test): Promise<string> {
  const etcd = await startEtcd(t);
  const master = await startMaster(t, etcd, 'm1', ['--safe-mode-ms', '0', '--leader-lease-ms', '2000']);
  return poll('m1 to lead', 20_000, async () => {
    const text = await (await fetch(`${master.url}/metrics`)).text();
    return /^chunkmaster_leader 1$/m.test(text) ? text : undefined;
  });
}

t.test('the kit reads only metrics a live daemon exports', async (t) => {
  const single = await singleMasterMetrics(t);
  const grouped = await groupedMasterMetrics(t);

  for (const [what, text] of [['a single master', single], ['a master with --etcd', grouped]] as const) {
    // chunkmaster's own families pass promtool's lint as they are.
    const own = run(['check', 'metrics'], ownFamilies(text));
    t.equal(own.status, 0, `promtool check metrics on ${what}'s chunkmaster_* families: ${own.output}`);
    t.equal(own.output.trim(), '');
    // The whole text too: prom-client's default gauges named *_total are left out of the registry.
    const whole = run(['check', 'metrics'], text);
    t.equal(whole.status, 0, `promtool check metrics on ${what}'s whole /metrics: ${whole.output}`);
    t.equal(whole.output.trim(), '');
    t.match(text, /^nodejs_active_handles\{/m, 'the counts by type stay');
  }
  const singleNames = new Set(samples(single).map((s) => s.name));
  const groupedNames = new Set(samples(grouped).map((s) => s.name));
  t.notOk(singleNames.has('chunkmaster_leader'), 'leadership metrics only with --etcd');
  t.ok(groupedNames.has('chunkmaster_leader') && groupedNames.has('chunkmaster_epoch'), 'leadership metrics with --etcd');
  t.match(single, /^chunkmaster_under_replicated_chunks\{priority="critical"\} 1$/m, 'the chunk short of copies is counted');
  t.match(single, /^chunkmaster_heartbeats_received_total\{outcome="rejected"\} 1$/m, 'the refused heartbeat is counted');

  const live = [...samples(single), ...samples(grouped)];
  const exported = new Set([...live.map((s) => s.name), 'up']);
  const queried: [string, string][] = [
    ...alerts.map((alert) => [`alert ${alert.alert}`, alert.expr] as [string, string]),
    ...dashboardExprs().map((expr) => [`dashboard query ${expr}`, expr] as [string, string]),
  ];
  for (const [where, expr] of queried) {
    const names = metricNames(expr);
    t.ok(names.length > 0, `${where} reads a metric`);
    for (const name of names) t.ok(exported.has(name), `${where}: ${name} is exported`);
    for (const { name, label, value } of labelMatches(expr)) {
      t.ok(live.some((s) => s.name === name && s.labels[label] === value), `${where}: ${name}{${label}="${value}"} is exported`);
    }
  }
});

t.test('the expression readers find what they must', async (t) => {
  t.same(metricNames('max(sum by (le) (rate(chunkmaster_heartbeat_handling_seconds_bucket{job="x"}[5m]))) / up{job="x"} + process_cpu_seconds_total'), [
    'chunkmaster_heartbeat_handling_seconds_bucket',
    'up',
    'process_cpu_seconds_total',
  ]);
  t.same(metricNames('max without (instance) (x)'), []);
  t.same(labelMatches('chunkmaster_servers{job="$job", instance=~"$instance", state="dead"} + chunkmaster_x{priority!="missing"}'), [
    { name: 'chunkmaster_servers', label: 'state', value: 'dead' },
  ]);
});

t.test('the dashboard: a datasource variable, and every panel titled, on it, with a query and a unit', async (t) => {
  const variables = dashboard.templating?.list ?? [];
  t.ok(variables.some((v) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus'), 'a Prometheus datasource variable');
  t.ok(panels.length >= 10, `${panels.length} panels`);
  const ids = panels.map((panel) => panel.id);
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const panel of panels) {
    t.ok((panel.title ?? '').length > 0, `panel ${panel.id} has a title`);
    t.ok((panel.targets ?? []).length > 0 && (panel.targets ?? []).every((target) => (target.expr ?? '') !== ''), `${panel.title}: queries`);
    t.equal(panel.datasource?.uid, '${datasource}', `${panel.title}: on the datasource variable`);
    t.ok((panel.fieldConfig?.defaults?.unit ?? '') !== '', `${panel.title}: a unit`);
  }
  const all = dashboardExprs().join('\n');
  for (const name of ['chunkmaster_servers', 'chunkmaster_under_replicated_chunks', 'chunkmaster_pending_copies', 'chunkmaster_pending_deletes',
    'chunkmaster_heartbeats_received_total', 'chunkmaster_heartbeat_handling_seconds_bucket', 'chunkmaster_stall_seconds_total',
    'chunkmaster_safe_mode', 'chunkmaster_brake_engaged', 'chunkmaster_leader', 'chunkmaster_epoch']) {
    t.ok(metricNames(all).includes(name), `the dashboard shows ${name}`);
  }
});
