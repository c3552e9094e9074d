/**
 * Real kubectl (1.20 and current) against a server with the controllers running: `kubectl create namespace`,
 * `kubectl get ns` (NAME/STATUS/AGE), `get ns -o yaml`, `describe ns`, `apply -f` of a manifest with
 * `kind: Namespace`, and `kubectl delete ns` (which waits until the namespace and its content are gone).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { namespaceType, secretType } from '../../schemas/index.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { getOrUndefined } from '../controllers/helpers.js';
import { runKubectl } from '../helpers/kubectl.js';
import { startTestServer } from '../helpers/server.js';
import { kubectls } from '../helpers/tools.js';

const server = await startTestServer({ controllers: true });
t.teardown(() => server.stop());
const client = createInProcessClient({ registry: server.registry });
const scratch = await mkdtemp(join(tmpdir(), 'converge-kubectl-ns-'));
t.teardown(() => rm(scratch, { recursive: true, force: true }));
const emptyConfig = join(scratch, 'empty-kubeconfig');
await writeFile(emptyConfig, '');

for (const { name: version, path: kubectl } of kubectls()) {
  t.test(`${version}: create, get, describe, apply and delete namespaces`, async (t) => {
    const ns = `ns-${version.replace(/[^a-z0-9]/g, '')}`;
    const k = (...args: string[]) => runKubectl(kubectl, ['--server', server.url, ...args], { KUBECONFIG: emptyConfig });

    const created = await k('create', 'namespace', ns);
    t.equal(created.code, 0, created.stderr);
    t.match(created.stdout, new RegExp(`namespace/${ns} created`));

    const table = await k('get', 'ns');
    t.equal(table.code, 0, table.stderr);
    t.match(table.stdout, /^NAME\s+STATUS\s+AGE$/m);
    t.match(table.stdout, new RegExp(`^${ns}\\s+Active\\s+\\d+s$`, 'm'));
    t.match(table.stdout, /^default\s+Active\s+/m, 'the built-in default namespace is listed');

    const yaml = await k('get', 'namespace', ns, '-o', 'yaml');
    t.equal(yaml.code, 0, yaml.stderr);
    t.match(parse(yaml.stdout), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });

    const manifest = join(scratch, `${ns}.yaml`);
    const applyNs = `${ns}-applied`;
    await writeFile(
      manifest,
      [
        stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: applyNs, labels: { team: 'a' } } }),
        stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: applyNs }, stringData: { k: 'v' } }),
      ].join('---\n'),
    );
    const applied = await k('apply', '-f', manifest);
    t.equal(applied.code, 0, applied.stderr);
    t.match(applied.stdout, new RegExp(`namespace/${applyNs} created`));
    const label = await k('get', 'ns', applyNs, '-o', 'jsonpath={.metadata.labels.team}');
    t.equal(label.stdout, 'a');

    const described = await k('describe', 'ns', ns);
    t.equal(described.code, 0, described.stderr);
    t.match(described.stdout, new RegExp(`Name:\\s+${ns}`));
    t.match(described.stdout, /Status:\s+Active/);

    // Content in the namespace, so the delete has something to wait for.
    const secret = await k('-n', ns, 'create', 'secret', 'generic', 'creds', '--from-literal=a=b');
    t.equal(secret.code, 0, secret.stderr);
    for (const name of [ns, applyNs]) {
      const deleted = await k('delete', 'namespace', name, '--timeout=30s');
      t.equal(deleted.code, 0, deleted.stderr);
      t.match(deleted.stdout, new RegExp(`namespace "${name}" deleted`));
      // kubectl delete waits until the object is gone.
      t.equal(await getOrUndefined(client, namespaceType, undefined, name), undefined, `${name} is gone when kubectl returns`);
    }
    t.equal(await getOrUndefined(client, secretType, ns, 'creds'), undefined, 'its Secret was deleted with it');
    t.equal(await getOrUndefined(client, secretType, applyNs, 's'), undefined, 'the applied Secret was deleted with it');

    const protectedNs = await k('delete', 'namespace', 'default');
    t.not(protectedNs.code, 0);
    t.match(protectedNs.stderr, /namespaces "default" is forbidden: this namespace may not be deleted/);
  });
}
