// `helm template` over a matrix of values: every rendered object validates against the Kubernetes schemas, the
// objects fit together, and each setting produces the deployment it promises.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { chartDir, renderChart } from './helm.js';
import type { Manifest } from './k8s-schema.js';
import { args, at, container, flagValue, NAMESPACE, ofKind, only, renderedProblems } from './rendered.js';

const chartYaml = readFileSync(join(chartDir, 'Chart.yaml'), 'utf8');
const appVersion = /^appVersion:\s*"?([^"\s]+)"?/m.exec(chartYaml)?.[1];

type Check = (t: Test, objs: Manifest[]) => void;

const etcdEndpoints = ['etcd-0.etcd:2379', 'etcd-1.etcd:2379', 'etcd-2.etcd:2379'];

const cases: { name: string; values: Record<string, unknown>; existingClaim?: string; check: Check }[] = [
  {
    name: 'defaults: standalone, embedded store on a PVC, one replica',
    values: {},
    check: (t, objs) => {
      t.same(objs.map((o) => o['kind']).sort(), ['Deployment', 'PersistentVolumeClaim', 'Service', 'ServiceAccount']);
      const d = only(objs, 'Deployment');
      t.equal(at(d, 'spec', 'replicas'), 1);
      t.equal(at(d, 'spec', 'strategy', 'type'), 'Recreate', 'the old pod releases the sqlite lock before the new one starts');
      t.equal(container(objs)['image'], `converge:${appVersion ?? '?'}`, 'image defaults to converge:<appVersion>');
      const argv = args(objs);
      t.equal(argv[0], 'serve');
      t.equal(flagValue(argv, '--listen'), '0.0.0.0:6443');
      t.equal(flagValue(argv, '--data-dir'), '/var/lib/converge');
      t.equal(flagValue(argv, '--store'), undefined, 'the embedded store is the default: no --store');
      t.notOk(argv.includes('--kube'));
      t.equal(at(d, 'spec', 'template', 'spec', 'automountServiceAccountToken'), false, 'standalone needs no Kubernetes token');
      t.same(ofKind(objs, 'Service').map((s) => at(s, 'spec', 'ports', 0, 'name')), ['api']);
      const claim = only(objs, 'PersistentVolumeClaim');
      t.equal(at(claim, 'metadata', 'annotations', 'helm.sh/resource-policy'), 'keep', 'uninstalling keeps the data');
      t.equal(at(claim, 'spec', 'resources', 'requests', 'storage'), '1Gi');
      t.equal(at(container(objs), 'securityContext', 'readOnlyRootFilesystem'), true);
      t.equal(at(d, 'spec', 'template', 'spec', 'securityContext', 'runAsNonRoot'), true);
    },
  },
  {
    name: 'etcd store with 2 replicas',
    values: { replicaCount: 2, store: { type: 'etcd', etcd: { endpoints: etcdEndpoints, keyPrefix: '/converge' } }, security: { sharedSecret: 'converge-shared' } },
    check: (t, objs) => {
      t.equal(ofKind(objs, 'PersistentVolumeClaim').length, 0, 'no claim: the objects live in etcd');
      const d = only(objs, 'Deployment');
      t.equal(at(d, 'spec', 'replicas'), 2);
      t.equal(at(d, 'spec', 'strategy', 'type'), 'RollingUpdate');
      const argv = args(objs);
      t.equal(flagValue(argv, '--store'), `etcd://${etcdEndpoints.join(',')}/converge`);
      t.equal(flagValue(argv, '--leader-elect'), 'true', 'one replica runs the controllers');
      t.ok(at(d, 'spec', 'template', 'spec', 'volumes', 0, 'emptyDir'), 'the data dir is scratch space');
      t.equal(at(only(objs, 'PodDisruptionBudget'), 'spec', 'maxUnavailable'), 1, 'a drain takes one replica at a time');
    },
  },
  {
    name: 'kube mode with 2 replicas',
    values: { mode: 'kube', replicaCount: 2 },
    check: (t, objs) => {
      t.same(objs.map((o) => o['kind']).sort(), ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
      const argv = args(objs);
      t.ok(argv.includes('--kube'), 'runs converge serve --kube');
      for (const flag of ['--store', '--listen', '--data-dir']) t.equal(flagValue(argv, flag), undefined, `no ${flag}: kube mode refuses it`);
      t.equal(flagValue(argv, '--metrics-listen'), '0.0.0.0:8080', 'probes and metrics on kube.metricsPort');
      t.equal(flagValue(argv, '--namespace'), '$(POD_NAMESPACE)', 'the Lease goes to the release namespace, where the Role is');
      t.same(at(container(objs), 'ports'), [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
      t.equal(at(only(objs, 'Service'), 'spec', 'ports', 0, 'port'), 8080);
      t.equal(flagValue(argv, '--leader-elect'), 'true');
      const d = only(objs, 'Deployment');
      t.equal(at(d, 'spec', 'template', 'spec', 'automountServiceAccountToken'), true, 'in-cluster config needs the token');
      t.same(ofKind(objs, 'Service').map((s) => at(s, 'spec', 'ports', 0, 'name')), ['metrics'], 'the Service exposes metrics only');
      const rules = at(only(objs, 'ClusterRole'), 'rules');
      const json = JSON.stringify(rules);
      for (const needle of ['instances', 'instances/status', 'providerconfigs', 'secrets', 'events']) t.match(json, `"${needle}"`, `ClusterRole covers ${needle}`);
      const secretRule = (Array.isArray(rules) ? rules : []).find((r) => JSON.stringify(at(r, 'resources')) === '["secrets"]');
      t.same(at(secretRule, 'verbs'), ['get', 'list', 'watch'], 'Secrets are read only');
      const role = only(objs, 'Role');
      t.equal(at(role, 'metadata', 'namespace'), NAMESPACE);
      t.same(at(role, 'rules', 0, 'apiGroups'), ['coordination.k8s.io']);
      t.same(at(role, 'rules', 0, 'resources'), ['leases']);
    },
  },
  {
    name: 'ServiceMonitor on',
    values: { serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'kube-prometheus-stack' } } },
    check: (t, objs) => {
      const sm = only(objs, 'ServiceMonitor');
      t.equal(at(sm, 'metadata', 'labels', 'release'), 'kube-prometheus-stack');
      t.equal(at(sm, 'spec', 'endpoints', 0, 'port'), 'api');
      t.equal(at(sm, 'spec', 'endpoints', 0, 'interval'), '15s');
    },
  },
  {
    name: 'kube mode with ServiceMonitor',
    values: { mode: 'kube', serviceMonitor: { enabled: true } },
    check: (t, objs) => t.equal(at(only(objs, 'ServiceMonitor'), 'spec', 'endpoints', 0, 'port'), 'metrics'),
  },
  {
    name: 'Grafana dashboard on',
    values: { grafanaDashboard: { enabled: true } },
    check: (t, objs) => {
      const cm = only(objs, 'ConfigMap');
      t.equal(at(cm, 'metadata', 'labels', 'grafana_dashboard'), '1', 'labelled for the Grafana sidecar');
      const json = String(at(cm, 'data', 'converge.json'));
      t.equal(json, readFileSync(join(chartDir, 'dashboards/converge.json'), 'utf8').replace(/\n$/, ''), 'the dashboard file, verbatim');
      t.equal((JSON.parse(json) as { title?: unknown }).title, 'Converge');
    },
  },
  {
    name: 'embedded store without persistence',
    values: { store: { embedded: { persistence: { enabled: false } } } },
    check: (t, objs) => {
      t.equal(ofKind(objs, 'PersistentVolumeClaim').length, 0);
      t.ok(at(only(objs, 'Deployment'), 'spec', 'template', 'spec', 'volumes', 0, 'emptyDir'));
    },
  },
  {
    name: 'embedded store on an existing claim',
    values: { store: { embedded: { persistence: { existingClaim: 'my-claim' } } } },
    existingClaim: 'my-claim',
    check: (t, objs) => {
      t.equal(ofKind(objs, 'PersistentVolumeClaim').length, 0, 'the chart does not create a claim it was given');
      t.equal(at(only(objs, 'Deployment'), 'spec', 'template', 'spec', 'volumes', 0, 'persistentVolumeClaim', 'claimName'), 'my-claim');
    },
  },
  {
    name: 'image, workers, log level and extra args',
    values: { image: { repository: 'registry.example/converge', tag: '9.9.9' }, workers: 4, logLevel: 'debug', extraArgs: ['--sim-state', 'memory'] },
    check: (t, objs) => {
      t.equal(container(objs)['image'], 'registry.example/converge:9.9.9');
      const argv = args(objs);
      t.equal(flagValue(argv, '--workers'), '4');
      t.equal(flagValue(argv, '--log-level'), 'debug');
      t.same(argv.slice(-2), ['--sim-state', 'memory']);
    },
  },
];

t.test('Chart appVersion is the package version', async (t) => {
  const pkg = JSON.parse(readFileSync(join(chartDir, '../../package.json'), 'utf8')) as { version?: unknown };
  t.equal(appVersion, pkg.version);
});

for (const c of cases) {
  t.test(c.name, async (t) => {
    const objs = await renderChart({ values: c.values });
    t.same(renderedProblems(objs, c.existingClaim !== undefined ? { existingClaim: c.existingClaim } : {}), [], 'valid objects that fit together');
    c.check(t, objs);
  });
}
