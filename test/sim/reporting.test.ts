import t from 'tap';
import { defaultCoreConfig } from '../../src/core/index.js';
import { Agenda } from '../../src/sim/agenda.js';
import { Rng } from '../../src/sim/prng.js';
import { type Delivery, type ReportCount, type ReportHost, beat, restarted } from '../../src/sim/reporting.js';
import { type SimServer, newServer } from '../../src/sim/servers.js';
import type { ChunkReport } from '../../src/sim/wire.js';

/** A simulation stand-in: each heartbeat is answered as `fate` says (all answered when it says nothing). */
function host(fate: (content: ChunkReport, now: number) => Delivery | undefined = () => undefined) {
  const agenda = new Agenda();
  const sent: ChunkReport[] = [];
  const reported: string[][] = [];
  const counts: ReportCount[] = [];
  const fake: ReportHost = {
    get now() {
      return agenda.now;
    },
    rng: new Rng(1),
    agenda,
    config: defaultCoreConfig(),
    partSize: 2,
    masterEpoch: 0,
    send: (_server, content) => {
      sent.push(content);
      return fate(content, agenda.now) ?? { received: true, reply: { type: 'heartbeat_ok', in_reply_to: 0, status: 'alive' } };
    },
    obey: () => {},
    reported: (_server, unknown) => reported.push([...unknown]),
    updated: () => {},
    count: (what) => counts.push(what),
  };
  const settle = () => {
    while (agenda.step(Number.POSITIVE_INFINITY));
  };
  return { fake, sent, reported, counts, settle };
}

function incrementalServer(chunks: string[]): SimServer {
  const server = newServer('cs1', 0, 'incremental');
  for (const chunk of chunks) server.disk.add(chunk);
  restarted(server);
  return server;
}

const LOST: Delivery = { received: false, reply: undefined };

t.test('changes wait while the first part of a split report has no answer; a lost part goes to the back', async (t) => {
  let parts = 0;
  const { fake, sent, reported, counts, settle } = host((content) => (content.report !== undefined && parts++ === 0 ? LOST : undefined));
  const server = incrementalServer(['a', 'b', 'c']);
  beat(fake, server);
  t.same(sent[0], { chunks: ['a', 'b'], report: { id: 'cs1.0.0', part: 0, parts: 2 } });
  t.same(server.outgoing?.unanswered, [1, 0], 'the lost part waits behind the other');
  t.same(counts, ['split', 'reordered']);
  server.disk.add('d');
  server.touched.add('d');
  beat(fake, server);
  t.same(sent[1], {}, 'no change goes before the master has the report under way');
  settle();
  t.same(sent.slice(2, 4), [
    { chunks: ['c'], report: { id: 'cs1.0.0', part: 1, parts: 2 } },
    { chunks: ['a', 'b'], report: { id: 'cs1.0.0', part: 0, parts: 2 } },
  ]);
  t.same(reported, [['d']], 'complete, with the change still owed');
  beat(fake, server);
  t.same(sent[4], { added: ['d'] });
  t.same([...server.touched], []);
});

t.test('a partitioned server sends no full report, and tries again', async (t) => {
  const single = host();
  const small = incrementalServer(['a']);
  small.partitioned = true;
  beat(single.fake, small);
  t.same(single.sent, [], 'nothing reaches the master');
  t.equal(small.wantsReport, true, 'still owed');
  small.partitioned = false;
  beat(single.fake, small);
  t.same(single.sent, [{ chunks: ['a'] }]);
  t.same(single.reported, [[]]);
  t.equal(small.wantsReport, false);

  const split = host();
  const big = incrementalServer(['a', 'b', 'c']);
  big.partitioned = true;
  beat(split.fake, big);
  split.fake.agenda.at(1000, () => (big.partitioned = false));
  split.settle();
  t.same(
    split.sent.map((content) => content.report?.part),
    [1, 0],
    'the parts go once the partition heals, the one first tried last',
  );
  t.same(split.reported, [[]]);
});

t.test('a report that outlives pending_timeout is taken as dropped by the master', async (t) => {
  const { fake, reported, counts, settle } = host((content, now) => (content.report?.part === 1 && now < 61000 ? LOST : undefined));
  const server = incrementalServer(['a', 'b', 'c']);
  beat(fake, server);
  settle();
  t.same(reported, []);
  t.ok(counts.includes('dropped'));
});
