import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { runConverge, startCliFixture } from '../helpers/converge-cli.js';

const { env, examples, cli } = await startCliFixture(t);

const KINDS_IN_ORDER = ['providerconfig', 'pool', 'network', 'volume', 'bucket', 'instance'];

t.test('apply of examples/ creates everything in dependency order; a second apply is a no-op', async (t) => {
  const first = await cli('apply', '-f', examples);
  t.equal(first.code, 0, first.stderr);
  const lines = first.stdout.trim().split('\n');
  t.ok(lines.length >= 6, first.stdout);
  // ProviderConfig "default" (the simulated cloud) exists from the first start of converge serve.
  t.ok(lines.every((l) => / created$/.test(l) || l === 'providerconfig.converge.io/default configured'), first.stdout);
  const kinds = lines.map((l) => l.split('.')[0]!);
  const ranks = kinds.map((k) => KINDS_IN_ORDER.indexOf(k));
  t.same(ranks, [...ranks].sort((a, b) => a - b), `ordered by dependency: ${kinds.join(',')}`);

  const before = await cli('get', 'instances', '-o', 'json');
  const second = await cli('apply', '-f', examples);
  t.equal(second.code, 0, second.stderr);
  t.ok(second.stdout.trim().split('\n').every((l) => / unchanged$/.test(l)), second.stdout);
  const after = await cli('get', 'instances', '-o', 'json');
  // Controllers keep writing status, so compare what apply owns: generation, spec and the apply's field set.
  type Listed = { items: { metadata: { generation: number; managedFields?: { manager: string; fieldsV1: unknown }[] }; spec: unknown }[] };
  const owned = (out: string) =>
    (JSON.parse(out) as Listed).items.map((i) => [i.metadata.generation, i.spec, i.metadata.managedFields?.find((m) => m.manager === 'converge')?.fieldsV1]);
  t.same(owned(after.stdout), owned(before.stdout), 'generation, spec and owned fields unchanged by the second apply');
});

t.test('get prints the printer columns; -o wide adds the wide ones', async (t) => {
  const table = await cli('get', 'inst');
  t.equal(table.code, 0, table.stderr);
  t.match(table.stdout, /^NAME\s+READY\s+SYNCED\s+STATE\s+VCPUS\s+MEMORY\s+ADDRESS\s+AGE$/m);
  t.match(table.stdout, /^web-1\s+/m);
  const wide = await cli('get', 'inst', '-o', 'wide');
  t.match(wide.stdout, /PROVIDER/);
  const all = await cli('get', 'networks', '-A');
  t.match(all.stdout, /^NAMESPACE\s+NAME/m);
  const missing = await cli('get', 'inst', 'nope');
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^error: instances\.converge\.io "nope" not found\n$/);
  const unknown = await cli('get', 'widgets');
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /unknown resource type "widgets"/);
});

t.test('get, describe and delete take several kinds like kubectl: KIND,KIND, categories and KIND/NAME pairs', async (t) => {
  const two = await cli('get', 'instances,networks');
  t.equal(two.code, 0, two.stderr);
  const blocks = two.stdout.trimEnd().split('\n\n');
  t.equal(blocks.length, 2, two.stdout);
  t.match(blocks[0], /^NAME\s+READY\s+SYNCED\s+STATE/);
  t.match(blocks[0], /^instance\.converge\.io\/web-1\s+True/m);
  t.match(blocks[1], /^network\.converge\.io\/web\s+/m);
  t.match(blocks[1], /^network\.converge\.io\/backend\s+/m);

  const names = await cli('get', 'managed', '-o', 'name');
  t.equal(names.code, 0, names.stderr);
  const listed = names.stdout.trim().split('\n');
  for (const ref of ['instance.converge.io/web-1', 'volume.converge.io/web-1-root', 'bucket.converge.io/backups', 'network.converge.io/web']) t.ok(listed.includes(ref), `${ref} in ${listed.join(' ')}`);
  t.notOk(listed.some((l) => l.startsWith('pool.')), 'pools manage nothing external: not in the managed category');

  const pairs = await cli('get', 'instance/web-1', 'network/web', '-o', 'json');
  t.equal(pairs.code, 0, pairs.stderr);
  t.same((JSON.parse(pairs.stdout) as { items: { kind: string }[] }).items.map((i) => i.kind), ['Instance', 'Network']);

  const described = await cli('describe', 'instance/web-1', 'network/web');
  t.equal(described.code, 0, described.stderr);
  t.match(described.stdout, /Kind:\s+Instance[\s\S]*Kind:\s+Network/);

  const mixed = await cli('get', 'instances', 'network/web');
  t.equal(mixed.code, 2);
  t.equal(mixed.stderr, 'error: "network/web": give KIND NAME… or KIND/NAME…, not both\n');
  const watchMany = await cli('get', 'instances,networks', '-w');
  t.equal(watchMany.code, 2);
  t.match(watchMany.stderr, /^error: --watch: watch one resource type at a time/);
  const journalMany = await cli('journal', 'instances,networks', 'web-1');
  t.equal(journalMany.code, 2);
  t.match(journalMany.stderr, /expected one resource type, got instances, networks/);

  const dryDelete = await cli('delete', 'instance/web-1', 'bucket/backups', '--dry-run=server');
  t.equal(dryDelete.code, 0, dryDelete.stderr);
  t.match(dryDelete.stdout, /instance\.converge\.io "web-1" (deleted|marked for deletion)[^\n]*\(server dry run\)\nbucket\.converge\.io "backups"/);
});

t.test('diff shows a local edit as a unified diff and exits 1; no edit exits 0', async (t) => {
  const clean = await cli('diff', '-f', examples);
  t.equal(clean.code, 0, `${clean.stdout}${clean.stderr}`);
  t.equal(clean.stdout, '');
  const file = join(examples, 'instance.yaml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('vcpus: 2', 'vcpus: 6'));
  const changed = await cli('diff', '-f', file);
  t.equal(changed.code, 1, changed.stderr);
  t.match(changed.stdout, /^-  vcpus: 2$/m);
  t.match(changed.stdout, /^\+  vcpus: 6$/m);
  const dry = await cli('apply', '-f', file, '--dry-run=server');
  t.match(dry.stdout, /instance\.converge\.io\/web-1 configured \(server dry run\)/);
  const still = await cli('get', 'inst', 'web-1', '-o', 'json');
  t.equal((JSON.parse(still.stdout) as { spec: { vcpus: number } }).spec.vcpus, 2, 'dry run wrote nothing');
  await writeFile(file, text);
});

t.test('-o yaml round-trips through apply', async (t) => {
  const yaml = await cli('get', 'inst', 'web-1', '-o', 'yaml');
  t.equal(yaml.code, 0, yaml.stderr);
  const obj = parse(yaml.stdout) as { kind: string; spec: Record<string, unknown> };
  t.equal(obj.kind, 'Instance');
  const again = await runConverge(['apply', '-f', '-'], { env, stdin: yaml.stdout });
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /instance\.converge\.io\/web-1 (unchanged|configured)/);
  const now = parse((await cli('get', 'inst', 'web-1', '-o', 'yaml')).stdout) as { spec: Record<string, unknown> };
  t.same(now.spec, obj.spec, 'spec identical after the round trip');
});

t.test('bad manifests: one readable line per problem, nothing applied', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'converge-bad-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a-good.yaml'), 'apiVersion: converge.io/v1alpha1\nkind: Pool\nmetadata:\n  name: fresh-pool\nspec:\n  cidrs: ["10.77.0.0/16"]\n');
  await writeFile(join(dir, 'b-bad.yaml'), 'apiVersion: converge.io/v1alpha1\nkind: Instance\nmetadata:\n  name: web-9\nspec:\n  providerRef: {name: default}\n  image: x\n  vcpus: 1\n  memoryMiB: "4G"\n');
  const res = await cli('apply', '-f', dir);
  t.equal(res.code, 1);
  t.match(res.stderr, /b-bad\.yaml:9: Instance\/web-9: spec\.memoryMiB: Invalid value: "4G": expected integer, got string/);
  t.match(res.stderr, /nothing was applied/);
  t.notMatch(res.stderr, /\s+at .+:\d+:\d+/, 'no stack trace');
  const pool = await cli('get', 'pool', 'fresh-pool');
  t.equal(pool.code, 1, 'the valid file in the same apply was not applied either');

  await writeFile(join(dir, 'b-bad.yaml'), 'apiVersion: converge.io/v1alpha1\nkind: Widget\nmetadata:\n  name: w\n---\napiVersion: converge.io/v1alpha1\nkind: Pool\nmetadata:\n  name: fresh-pool\nspec:\n  cidrs: ["10.78.0.0/16"]\n');
  const more = await cli('apply', '-f', dir);
  t.equal(more.code, 1);
  t.match(more.stderr, /unknown kind "Widget"/);
  t.match(more.stderr, /duplicate object: already defined at .*a-good\.yaml:1/);
  const syntax = await runConverge(['apply', '-f', '-'], { env, stdin: 'kind: [unclosed\n' });
  t.equal(syntax.code, 1);
  t.match(syntax.stderr, /^error: -:\d+: invalid YAML/);
});


t.test('apply --wait does not wait for kinds no controller reports Ready for (ProviderConfig)', async (t) => {
  const res = await cli('apply', '-f', join(examples, 'providerconfig-default.yaml'), '--wait', '--timeout', '10s');
  t.equal(res.code, 0, res.stderr);
  t.notMatch(res.stderr, /not Ready/);
});
