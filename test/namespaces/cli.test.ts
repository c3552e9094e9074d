/**
 * The `converge` CLI against `converge serve` with Namespaces: `apply -f` of a folder whose files list the
 * objects before their Namespace applies the Namespace first (so it is not refused or left implicit),
 * `get ns`, `describe ns`, and `delete -f` of the same folder deletes the Namespace last and waits for it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { startCliFixture } from '../helpers/converge-cli.js';

const fx = await startCliFixture(t);
const dir = join(fx.examples, 'team-c');
await mkdir(dir, { recursive: true });
// File names sort the content before the Namespace: only kind ordering puts the Namespace first.
await writeFile(
  join(dir, 'a-content.yaml'),
  [
    stringify({ apiVersion: 'converge.io/v1alpha1', kind: 'Volume', metadata: { name: 'data', namespace: 'team-c' }, spec: { providerRef: { name: 'default' }, sizeGiB: 1 } }),
    stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'team-c' }, stringData: { token: 't' } }),
  ].join('---\n'),
);
await writeFile(join(dir, 'z-namespace.yaml'), stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-c', labels: { team: 'c' } } }));

t.test('apply -f applies the Namespace first, then its content', async (t) => {
  const applied = await fx.cli('apply', '-f', dir);
  t.equal(applied.code, 0, applied.stderr);
  const lines = applied.stdout.split('\n').filter((l) => l.trim() !== '');
  const nsLine = lines.findIndex((l) => /namespace\/team-c/i.test(l));
  const volumeLine = lines.findIndex((l) => /volume.*\/data/i.test(l));
  t.ok(nsLine >= 0, `the Namespace is reported: ${applied.stdout}`);
  t.ok(volumeLine > nsLine, `the Namespace comes before the Volume: ${applied.stdout}`);

  const again = await fx.cli('apply', '-f', dir);
  t.equal(again.code, 0, `re-apply is a no-op: ${again.stderr}`);
});

t.test('get ns and describe ns', async (t) => {
  const table = await fx.cli('get', 'ns');
  t.equal(table.code, 0, table.stderr);
  t.match(table.stdout, /^NAME\s+STATUS\s+AGE$/m);
  t.match(table.stdout, /^team-c\s+Active\s+/m);
  t.match(table.stdout, /^default\s+Active\s+/m);
  t.match(table.stdout, /^converge-system\s+Active\s+/m);

  const described = await fx.cli('describe', 'namespace', 'team-c');
  t.equal(described.code, 0, described.stderr);
  t.match(described.stdout, /team-c/);
  t.match(described.stdout, /Active/);
});

t.test('delete -f deletes the content, then the Namespace, and waits', async (t) => {
  const deleted = await fx.cli('delete', '-f', dir, '--timeout', '60s');
  t.equal(deleted.code, 0, deleted.stderr);
  const lines = deleted.stdout.split('\n').filter((l) => l.trim() !== '');
  const nsLine = lines.findIndex((l) => /namespace.*team-c/i.test(l));
  const volumeLine = lines.findIndex((l) => /volume.*data/i.test(l));
  t.ok(nsLine >= 0 && volumeLine >= 0 && nsLine > volumeLine, `the Namespace is deleted last: ${deleted.stdout}`);

  const gone = await fx.cli('get', 'ns', 'team-c');
  t.not(gone.code, 0, 'the Namespace is gone');
  t.match(gone.stderr, /not found/);
  const volumes = await fx.cli('get', 'volumes', '-n', 'team-c');
  t.notMatch(volumes.stdout, /data/, 'no Volume left');
});

t.test('the built-in default namespace cannot be deleted', async (t) => {
  const res = await fx.cli('delete', 'ns', 'default');
  t.not(res.code, 0);
  t.match(res.stderr, /namespaces "default" is forbidden: this namespace may not be deleted/);
});
