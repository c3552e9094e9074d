import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { MemorySimState, SimCloud, SimKind, SqliteSimState, type SimState } from '../../src/providers/sim/index.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const states: { name: string; open: (t: Test) => SimState }[] = [
  { name: 'memory', open: () => new MemorySimState() },
  {
    name: 'sqlite',
    open: (t) => {
      const state = new SqliteSimState(join(tempDir(t), 'sim.db'));
      t.teardown(() => state.close());
      return state;
    },
  },
];

for (const { name, open } of states) {
  t.test(`${name}: create-if-absent, merge, delete, list, findByRef, clouds`, async (t) => {
    const state = open(t);
    t.same(state.insert('a', SimKind.Volume, 'cv-2', { sizeGiB: 2, ref: 'default/two' }), { sizeGiB: 2, ref: 'default/two' });
    t.same(state.insert('a', SimKind.Volume, 'cv-2', { sizeGiB: 9 }), { sizeGiB: 2, ref: 'default/two' }, 'an existing record wins');
    state.insert('a', SimKind.Volume, 'cv-1', { sizeGiB: 1, ref: 'default/one' });
    state.insert('b', SimKind.Volume, 'cv-1', { sizeGiB: 5 });
    t.same(state.list('a', SimKind.Volume).map(([n]) => n), ['cv-1', 'cv-2'], 'sorted by name, per cloud');
    t.same(state.list('a', SimKind.Instance), []);
    t.same(state.merge('a', SimKind.Volume, 'cv-1', { attachedTo: 'web', sizeGiB: 3 }), { sizeGiB: 3, ref: 'default/one', attachedTo: 'web' });
    t.equal(state.merge('a', SimKind.Volume, 'missing', { sizeGiB: 1 }), undefined);
    t.same(state.findByRef('a', SimKind.Volume, 'default/two'), ['cv-2', { sizeGiB: 2, ref: 'default/two' }]);
    t.equal(state.findByRef('b', SimKind.Volume, 'default/two'), undefined);
    t.same(state.clouds(), ['a', 'b']);
    t.equal(state.delete('a', SimKind.Volume, 'cv-2'), true);
    t.equal(state.delete('a', SimKind.Volume, 'cv-2'), false);
    t.equal(state.get('a', SimKind.Volume, 'cv-2'), undefined);
    const read = state.get('a', SimKind.Volume, 'cv-1');
    if (read) read['sizeGiB'] = 100;
    t.equal(state.get('a', SimKind.Volume, 'cv-1')?.['sizeGiB'], 3, 'records are copies');
  });
}

t.test('sqlite: records survive reopening and are shared by two handles on one file', async (t) => {
  const path = join(tempDir(t), 'nested', 'sim.db');
  const first = new SqliteSimState(path);
  const cloud = new SimCloud('default', { state: first });
  await cloud.create(SimKind.Instance, 'ci-1', { vcpus: 2, ref: 'default/web' });
  const second = new SqliteSimState(path);
  t.teardown(() => second.close());
  t.same(second.get('default', SimKind.Instance, 'ci-1'), { vcpus: 2, ref: 'default/web' }, 'visible to a second handle');
  t.same(second.insert('default', SimKind.Instance, 'ci-1', { vcpus: 8 }), { vcpus: 2, ref: 'default/web' }, 'create-if-absent across handles');
  first.close();
  const reopened = new SqliteSimState(path);
  t.teardown(() => reopened.close());
  t.same(new SimCloud('default', { state: reopened }).names(SimKind.Instance), ['ci-1']);
});
