/**
 * `converge apply` against a real `converge serve --api-only`: a re-apply that would change nothing sends no
 * PATCH (counted by the server's apiserver_request_total) and prints exactly what a no-op PATCH prints; any
 * real change, field removal, ownership change or deletion still goes to the server.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { spawnServe } from '../helpers/cli.js';
import { runConverge, type CliResult } from '../helpers/converge-cli.js';
import { request } from '../helpers/http.js';

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA a@host';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB b@host';
const PATH = '/apis/converge.io/v1alpha1/namespaces/default/instances';

interface Vm {
  readonly name: string;
  readonly vcpus?: number;
  readonly sshKeys?: readonly string[];
  readonly labels?: string;
}

const doc = (vm: Vm): string => `apiVersion: converge.io/v1alpha1
kind: Instance
metadata:
  name: ${vm.name}
  labels: {${vm.labels ?? 'app: skip'}}
spec:
  providerRef: {name: default}
  image: debian-12-genericcloud-amd64
  vcpus: ${vm.vcpus ?? 2}
  memoryMiB: 2048
${vm.sshKeys === undefined ? '' : `  sshKeys: ${JSON.stringify(vm.sshKeys)}\n`}`;

t.test('converge apply skips no-op applies and sends everything else', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'apply-skip-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const serve = await spawnServe(['--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0', '--api-only']);
  t.teardown(() => serve.stop());
  const manifests = join(dir, 'manifests');
  const file = join(manifests, 'vms.yaml');
  await mkdir(manifests);

  /** Instance PATCHes the server has answered so far (any status code). */
  const patches = async (): Promise<number> => {
    const text = (await request(serve.url, '/metrics')).text;
    let n = 0;
    for (const m of text.matchAll(/^apiserver_request_total\{verb="patch",group="converge\.io",resource="instances",[^}]*\} (\d+)/gm)) n += Number(m[1]);
    return n;
  };
  /** Writes the manifests (vm-a never changes), runs `converge apply`, and counts the PATCHes it sent. */
  const apply = async (b: Vm | undefined, ...flags: string[]): Promise<CliResult & { sent: number }> => {
    const docs = [doc({ name: 'vm-a', sshKeys: [KEY_A] }), ...(b ? [doc(b)] : [])];
    await writeFile(file, docs.join('---\n'));
    const before = await patches();
    const r = await runConverge(['apply', '-f', manifests, ...flags], { env: { KUBECONFIG: serve.kubeconfig } });
    return { ...r, sent: (await patches()) - before };
  };
  const live = async (name: string) => (await request(serve.url, `${PATH}/${name}`)).body as { spec?: Record<string, unknown>; metadata?: { labels?: Record<string, string> } };
  const lines = (r: CliResult) => r.stdout.split('\n').filter(Boolean).sort();
  const vmB: Vm = { name: 'vm-b', sshKeys: [KEY_A, KEY_B] };

  const created = await apply(vmB);
  t.equal(created.code, 0, created.stderr);
  t.same(lines(created), ['instance.converge.io/vm-a created', 'instance.converge.io/vm-b created']);
  t.equal(created.sent, 2);

  // What a no-op PATCH prints today is the reference: --force-conflicts never skips.
  const forced = await apply(vmB, '--force-conflicts');
  t.equal(forced.code, 0, forced.stderr);
  t.equal(forced.sent, 2, '--force-conflicts sends every object');
  const unchanged = await apply(vmB);
  t.equal(unchanged.code, 0, unchanged.stderr);
  t.equal(unchanged.sent, 0, 'an unchanged re-apply sends no PATCH');
  t.same(lines(unchanged), lines(forced), 'same output as when the server judged the no-op');
  t.same(lines(unchanged), ['instance.converge.io/vm-a unchanged', 'instance.converge.io/vm-b unchanged']);

  const dry = await apply({ ...vmB, vcpus: 4 }, '--dry-run=server');
  t.equal(dry.sent, 2, '--dry-run=server sends every object');
  t.same(lines(dry), ['instance.converge.io/vm-a unchanged (server dry run)', 'instance.converge.io/vm-b configured (server dry run)']);
  t.equal((await live('vm-b')).spec?.['vcpus'], 2);

  const changed = await apply({ ...vmB, vcpus: 4 });
  t.equal(changed.code, 0, changed.stderr);
  t.equal(changed.sent, 1, 'only the changed object is sent');
  t.same(lines(changed), ['instance.converge.io/vm-a unchanged', 'instance.converge.io/vm-b configured']);
  t.equal((await live('vm-b')).spec?.['vcpus'], 4);

  const keyRemoved = await apply({ ...vmB, vcpus: 4, sshKeys: [KEY_A] });
  t.equal(keyRemoved.sent, 1, 'a set item removed from the manifest is sent');
  t.same((await live('vm-b')).spec?.['sshKeys'], [KEY_A]);
  const fieldRemoved = await apply({ ...vmB, vcpus: 4, sshKeys: undefined });
  t.equal(fieldRemoved.sent, 1, 'a field removed from the manifest is sent');
  t.equal((await live('vm-b')).spec?.['sshKeys'], undefined);
  const labelRemoved = await apply({ name: 'vm-b', vcpus: 4, labels: '' });
  t.equal(labelRemoved.sent, 1, 'a label removed from the manifest is sent');
  t.same((await live('vm-b')).metadata?.labels, undefined);

  // Another manager takes spec.vcpus over (same value is no conflict, so give it another one).
  const takeover = await request(serve.url, `${PATH}/vm-b?fieldManager=converge-gitops&force=true`, {
    method: 'PATCH',
    json: { apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name: 'vm-b', namespace: 'default' }, spec: { vcpus: 8 } },
    contentType: 'application/apply-patch+yaml',
  });
  t.equal(takeover.status, 200, takeover.text);
  const conflict = await apply({ name: 'vm-b', vcpus: 4, labels: '' });
  t.equal(conflict.sent, 1, 'the apply is sent so the server reports the conflict');
  t.equal(conflict.code, 1);
  t.match(conflict.stderr, /instance\.converge\.io\/vm-b: apply conflict: .*spec\.vcpus.*--force-conflicts/);
  t.equal((await live('vm-b')).spec?.['vcpus'], 8);

  const deleted = await request(serve.url, `${PATH}/vm-b`, { method: 'DELETE' });
  t.equal(deleted.status, 200, deleted.text);
  const recreated = await apply(vmB);
  t.equal(recreated.code, 0, recreated.stderr);
  t.equal(recreated.sent, 1, 'an object deleted meanwhile is sent');
  t.same(lines(recreated), ['instance.converge.io/vm-a unchanged', 'instance.converge.io/vm-b created']);

  // --prune still deletes what left the manifests; skipped objects are kept.
  const pruned = await apply(undefined, '--prune', '-l', 'app=skip');
  t.equal(pruned.code, 0, pruned.stderr);
  t.equal(pruned.sent, 0);
  t.same(lines(pruned), ['instance.converge.io/vm-a unchanged', 'instance.converge.io/vm-b pruned']);
  t.equal((await request(serve.url, `${PATH}/vm-b`)).status, 404);

  // --wait still waits for skipped objects (no controllers run here, so it times out naming them).
  const waited = await apply(undefined, '--wait', '--timeout', '1s');
  t.equal(waited.sent, 0);
  t.equal(waited.code, 1);
  t.match(waited.stderr, /vm-a/);
});
