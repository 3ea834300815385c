import fc from 'fast-check';
import t from 'tap';
import { type ChunkServer, ChunkServers } from '../../src/fleet/chunk-servers.js';
import { EpochGate } from '../../src/fleet/epochs.js';
import { ServerGates } from '../../src/fleet/masters.js';

t.test('the gate admits the highest epoch seen and any equal to it, never an older one', async (t) => {
  const gate = new EpochGate();
  t.equal(gate.seen, undefined);
  t.ok(gate.admit(5), 'the first epoch heard');
  t.ok(gate.admit(5), 'the same term again: the leader, or a follower of it');
  t.ok(gate.admit(6), 'a newer term');
  t.notOk(gate.admit(5), 'the old leader, waking up after its lease');
  t.equal(gate.seen, 6, 'an epoch refused does not lower the highest');
  t.ok(gate.admit(7), 'the old leader, elected again under a new epoch');
  t.notOk(gate.admit(6));
});

t.test('a reply without an epoch is obeyed until a master shows one, then refused', async (t) => {
  const gate = new EpochGate();
  t.ok(gate.admit(undefined), 'one master without HA, as before');
  t.ok(gate.admit(undefined));
  t.ok(gate.admit(0), 'epoch 0 counts as an epoch');
  t.notOk(gate.admit(undefined), 'a master without --etcd beside HA ones would instruct beside the leader');
  t.notOk(gate.admit(-1));
  t.equal(gate.seen, 0);
});

t.test('whatever the order replies come in, the admitted epochs never go down and each is the highest so far', async (t) => {
  const replies = fc.array(fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), { maxLength: 40 });
  fc.assert(
    fc.property(replies, (epochs) => {
      const gate = new EpochGate();
      let highest: number | undefined;
      for (const epoch of epochs) {
        const expected = epoch === undefined ? highest === undefined : highest === undefined || epoch >= highest;
        if (gate.admit(epoch) !== expected) return false;
        if (expected && epoch !== undefined) highest = epoch;
      }
      return gate.seen === highest;
    }),
  );
});

t.test('each simulated server keeps its own gate, made at its first epoch', async (t) => {
  const [a, b] = new ChunkServers(2, 1).servers as [ChunkServer, ChunkServer];
  const gates = new ServerGates();
  t.ok(gates.admits(a, undefined), 'no epoch yet: obeyed, and no gate kept');
  t.ok(gates.admits(a, 4));
  t.notOk(gates.admits(a, 3));
  t.ok(gates.admits(b, 3), 'another server has heard only this epoch');
  t.notOk(gates.admits(a, undefined));
  t.ok(gates.admits(b, 4));
  t.equal(gates.newest, 4, 'the highest any server heard');
  t.notOk(gates.admits(b, 2));
  t.equal(gates.newest, 4, 'an older epoch refused leaves it');
});

t.test('the newest epoch is unknown until a reply carries one', async (t) => {
  const [a] = new ChunkServers(1, 1).servers as [ChunkServer];
  const gates = new ServerGates();
  gates.admits(a, undefined);
  t.equal(gates.newest, undefined);
  gates.admits(a, 0);
  t.equal(gates.newest, 0);
});
