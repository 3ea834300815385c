import { performance } from 'node:perf_hooks';
import t, { type Test } from 'tap';
import { Etcd3 } from 'etcd3';
import { FORGET_TTL_SECONDS, type Intent, IntentLog, IntentUnavailableError, intentKey, intentOfKey } from '../../src/ha/intent.js';
import { type EtcdMember, startEtcd } from '../fixtures/etcd.js';
import { tick, until } from '../fixtures/wait.js';

interface Master {
  log: IntentLog;
  applied: Intent[];
}

function startMaster(t: Test, etcd: EtcdMember, id: string, prefix = 'cm/'): Master {
  const applied: Intent[] = [];
  const log = new IntentLog({ endpoints: [etcd.url], prefix, masterId: id, apply: (intent) => applied.push(intent) });
  log.start();
  let closed = false;
  const close = log.close.bind(log);
  log.close = async () => {
    closed = true;
    await close();
  };
  t.teardown(() => (closed ? undefined : log.close()));
  return { log, applied };
}

t.test('keys name the kind and the server, slashes and all; other keys are no intent', async (t) => {
  t.equal(intentKey('cm/', { kind: 'drain', server: 'rack1/cs7' }), 'cm/intent/drain/rack1/cs7');
  t.same(intentOfKey('cm/', 'cm/intent/drain/rack1/cs7'), { kind: 'drain', server: 'rack1/cs7' });
  t.same(intentOfKey('cm/', 'cm/intent/forget/cs1'), { kind: 'forget', server: 'cs1' });
  for (const key of ['other/intent/drain/cs1', 'cm/intent/drain', 'cm/intent/drain/', 'cm/intent//cs1', 'cm/intent/pause/cs1']) {
    t.equal(intentOfKey('cm/', key), undefined, key);
  }
});

t.test('an intent written on one master is applied on every master, and a drain outlives its writer', async (t) => {
  const etcd = await startEtcd(t);
  const [a, b] = [startMaster(t, etcd, 'a'), startMaster(t, etcd, 'b')] as [Master, Master];
  await until(() => a.log.ready && b.log.ready, 'both have read etcd');
  await a.log.write('drain', 'cs1');
  await b.log.write('forget', 'cs2');
  const both = [{ kind: 'drain', server: 'cs1' }, { kind: 'forget', server: 'cs2' }];
  await until(() => a.applied.length === 2 && b.applied.length === 2, 'applied on both');
  t.same(a.applied, both, 'the writer applies its own from the watch');
  t.same(b.applied, both);
  t.same(a.log.drains(), ['cs1']);

  await a.log.close();
  const late = startMaster(t, etcd, 'c');
  await until(() => late.log.ready, 'the late master has read etcd');
  t.same(late.applied.filter((intent) => intent.kind === 'drain'), [{ kind: 'drain', server: 'cs1' }], 'a master started later applies the drain held');
  t.same(late.log.drains(), ['cs1']);

  await b.log.write('drain', 'cs1');
  await until(() => late.applied.length > 2, 'a drain written again');
  t.same(late.applied.at(-1), { kind: 'drain', server: 'cs1' }, 'told again: applying a drain twice is harmless');
});

t.test('a forget lives under a lease nobody renews; a key that is no intent is not applied', async (t) => {
  const etcd = await startEtcd(t);
  const master = startMaster(t, etcd, 'a');
  await until(() => master.log.ready, 'read');
  const client = new Etcd3({ hosts: etcd.url });
  t.teardown(() => client.close());
  await client.put('cm/intent/pause/cs1').value('{}');
  await master.log.write('forget', 'cs9');
  await until(() => master.applied.length === 1, 'the forget applied');
  t.same(master.applied, [{ kind: 'forget', server: 'cs9' }], 'the stray key told nothing');
  const kv = (await client.get('cm/intent/forget/cs9').exec()).kvs[0];
  t.not(kv?.lease, '0', 'held under a lease');
  const ttl = await client.leaseClient.leaseTimeToLive({ ID: kv?.lease as string });
  t.ok(Number(ttl.TTL) > 0 && Number(ttl.TTL) <= FORGET_TTL_SECONDS, `expires in ${ttl.TTL} s`);
  t.same(JSON.parse(kv?.value.toString() ?? '').master_id, 'a');
  await client.delete().key('cm/intent/forget/cs9');
  await tick(200);
  t.equal(master.applied.length, 1, 'its key going undoes nothing');
  t.same(master.log.drains(), []);
});

t.test('with etcd away a write fails within its timeout, typed, and the intents come back with etcd', async (t) => {
  const etcd = await startEtcd(t);
  const master = startMaster(t, etcd, 'a');
  await until(() => master.log.ready, 'read');
  await master.log.write('drain', 'cs1');
  await etcd.stop();
  for (const kind of ['drain', 'forget'] as const) {
    const started = performance.now();
    await t.rejects(master.log.write(kind, 'cs2'), IntentUnavailableError);
    t.ok(performance.now() - started < 4000, `${kind}: refused after ${Math.round(performance.now() - started)} ms`);
  }
  await etcd.restart();
  etcd.pause();
  t.teardown(() => etcd.resume());
  const started = performance.now();
  const refusal = await master.log.write('drain', 'cs3').catch((error: unknown) => error);
  t.ok(refusal instanceof IntentUnavailableError, 'an etcd that answers nothing');
  t.match((refusal as Error).message, /etcd did not take the drain of cs3/);
  t.ok(performance.now() - started < 4000, `refused after ${Math.round(performance.now() - started)} ms`);
  etcd.resume();
  await writeOnceUp(master.log, 'cs4');
  await until(() => master.applied.some((intent) => intent.server === 'cs4'), 'applied once etcd is back');
  t.notOk(master.applied.some((intent) => intent.server === 'cs2'), 'nothing refused while etcd was down was applied');
});

/** As an operator would: etcd3 fails fast for a few seconds after an outage (its circuit breaker), so try again. */
async function writeOnceUp(log: IntentLog, server: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      return await log.write('drain', server);
    } catch (error) {
      if (!(error instanceof IntentUnavailableError) || tries > 20) throw error;
      await tick(500);
    }
  }
}
