/**
 * Where kube mode finds its cluster: --kubeconfig, $KUBECONFIG, the pod's service account, ~/.kube/config —
 * and the one-sentence errors when none of them is usable.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConvergeError } from '../../src/errors/index.js';
import { loadKubeConfig, SERVICE_ACCOUNT_ROOT, type LoadKubeConfigOptions } from '../../src/kube/config.js';
import { renderKubeconfig } from '../../src/server/kubeconfig.js';

const dir = await mkdtemp(join(tmpdir(), 'converge-kubecfg-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const good = join(dir, 'good.yaml');
await writeFile(good, renderKubeconfig({ server: 'http://127.0.0.1:6443', name: 'converge', namespace: 'ops' }));
const other = join(dir, 'other.yaml');
await writeFile(other, renderKubeconfig({ server: 'http://10.0.0.1:6443', name: 'other' }));
const garbage = join(dir, 'garbage.yaml');
await writeFile(garbage, 'clusters: [unclosed\n');
const noContext = join(dir, 'no-context.yaml');
await writeFile(noContext, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
const emptyHome = join(dir, 'home');
await mkdir(emptyHome);

// A pod's service account as the kubelet mounts it, under a prefix.
const sa = join(dir, 'pod');
await mkdir(join(sa, SERVICE_ACCOUNT_ROOT), { recursive: true });
await writeFile(join(sa, SERVICE_ACCOUNT_ROOT, 'token'), 'pod-token');
await writeFile(join(sa, SERVICE_ACCOUNT_ROOT, 'namespace'), 'converge-system');
await writeFile(join(sa, SERVICE_ACCOUNT_ROOT, 'ca.crt'), '');
const inClusterEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

t.test('which configuration wins', async (t) => {
  const home = join(dir, 'with-kube');
  await mkdir(join(home, '.kube'), { recursive: true });
  await writeFile(join(home, '.kube', 'config'), renderKubeconfig({ server: 'http://192.0.2.7:6443', name: 'home' }));
  const cases: { name: string; options: LoadKubeConfigOptions; server: string; namespace: string | undefined; source: RegExp }[] = [
    { name: '--kubeconfig beats $KUBECONFIG and in-cluster', options: { kubeconfig: good, env: { KUBECONFIG: other, ...inClusterEnv } }, server: 'http://127.0.0.1:6443', namespace: 'ops', source: /^kubeconfig .*good\.yaml, context converge$/ },
    { name: '$KUBECONFIG beats in-cluster', options: { env: { KUBECONFIG: `:${other}:${good}`, ...inClusterEnv } }, server: 'http://10.0.0.1:6443', namespace: 'default', source: /other\.yaml \(\$KUBECONFIG\)/ },
    { name: 'in-cluster: the service account, the pod namespace', options: { env: inClusterEnv, inClusterPathPrefix: sa, home }, server: 'https://10.96.0.1:443', namespace: 'converge-system', source: /^in-cluster service account$/ },
    { name: 'in-cluster IPv6 service host', options: { env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, inClusterPathPrefix: sa }, server: 'https://[fd00::1]:443', namespace: 'converge-system', source: /in-cluster/ },
    { name: '~/.kube/config last', options: { env: {}, home }, server: 'http://192.0.2.7:6443', namespace: 'default', source: /\.kube\/config, context home$/ },
  ];
  for (const c of cases) {
    const loaded = loadKubeConfig(c.options);
    t.equal(loaded.server, c.server, `${c.name}: server`);
    t.equal(loaded.namespace, c.namespace, `${c.name}: namespace`);
    t.match(loaded.source, c.source, `${c.name}: source`);
  }
});

t.test('in-cluster requests carry the service account token', async (t) => {
  const { kc } = loadKubeConfig({ env: inClusterEnv, inClusterPathPrefix: sa });
  const options: RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(options);
  t.equal((options.headers as Record<string, string>)['Authorization'], 'Bearer pod-token');
  t.equal(process.env['KUBERNETES_SERVICE_HOST'], undefined, 'the process environment is left as it was');
});

t.test('--context selects another context', async (t) => {
  const both = join(dir, 'both.yaml');
  await writeFile(
    both,
    `apiVersion: v1
kind: Config
clusters: [{name: a, cluster: {server: "http://127.0.0.1:1"}}, {name: b, cluster: {server: "http://127.0.0.1:2"}}]
users: [{name: u, user: {}}]
contexts: [{name: a, context: {cluster: a, user: u}}, {name: b, context: {cluster: b, user: u, namespace: team-b}}]
current-context: a
`,
  );
  const loaded = loadKubeConfig({ kubeconfig: both, context: 'b', env: {} });
  t.equal(loaded.server, 'http://127.0.0.1:2');
  t.equal(loaded.namespace, 'team-b');
});

t.test('unusable configurations are one readable sentence', async (t) => {
  const cases: { name: string; options: LoadKubeConfigOptions; message: RegExp }[] = [
    { name: 'missing file', options: { kubeconfig: join(dir, 'nope.yaml'), env: {} }, message: /^kubeconfig \S+nope\.yaml \(--kubeconfig\) does not exist$/ },
    { name: 'missing $KUBECONFIG file', options: { env: { KUBECONFIG: join(dir, 'gone.yaml') } }, message: /gone\.yaml \(\$KUBECONFIG\) does not exist/ },
    { name: 'not YAML', options: { kubeconfig: garbage, env: {} }, message: /^cannot read kubeconfig \S+garbage\.yaml: / },
    { name: 'no current context', options: { kubeconfig: noContext, env: {} }, message: /has no current context: pass --context NAME/ },
    { name: 'unknown context', options: { kubeconfig: good, context: 'prod', env: {} }, message: /--context: no context "prod" in .* \(it has: converge\)/ },
    { name: 'nothing at all', options: { env: {}, home: emptyHome }, message: /^no Kubernetes configuration: pass --kubeconfig PATH, set KUBECONFIG, or run in a pod/ },
    { name: 'in-cluster without a token', options: { env: inClusterEnv, inClusterPathPrefix: emptyHome }, message: /service account token \S+ is missing/ },
    { name: 'in-cluster with --context', options: { env: inClusterEnv, inClusterPathPrefix: sa, context: 'x' }, message: /--context needs a kubeconfig/ },
  ];
  for (const c of cases) {
    const err = (() => {
      try {
        loadKubeConfig(c.options);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    t.type(err, ConvergeError, `${c.name}: a catalogue error`);
    const message = err instanceof Error ? err.message : '';
    t.match(message, c.message, c.name);
    t.notMatch(message, /\n/, `${c.name}: one line`);
  }
});
