// `helm lint --strict` (warnings fail too) passes for the default values and the supported combinations, and
// catches values the schema refuses.
import t from 'tap';
import { chartDir, HELM_VERSION, runHelm, withValuesFile } from './helm.js';

t.test(`the tests run the pinned helm ${HELM_VERSION}`, async (t) => {
  const version = await runHelm(['version', '--template', '{{.Version}}']);
  t.equal(version.stdout, HELM_VERSION, 'built by test/setup/install-helm.sh (a plain go install would report v3.16)');
});

const valid: { name: string; values: Record<string, unknown> }[] = [
  { name: 'defaults', values: {} },
  { name: 'etcd store, 2 replicas', values: { replicaCount: 2, store: { type: 'etcd', etcd: { endpoints: ['etcd-0.etcd:2379', 'etcd-1.etcd:2379'] } }, security: { sharedSecret: 'converge-shared' } } },
  { name: 'kube mode', values: { mode: 'kube', replicaCount: 2 } },
  { name: 'ServiceMonitor and dashboard', values: { serviceMonitor: { enabled: true }, grafanaDashboard: { enabled: true } } },
];

for (const c of valid) {
  t.test(`helm lint --strict: ${c.name}`, async (t) => {
    const result = await withValuesFile(c.values, (file) => runHelm(['lint', '--strict', chartDir, '--values', file]));
    t.equal(result.code, 0, `helm lint output:\n${result.stdout}${result.stderr}`);
    t.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    t.notMatch(result.stdout, /\[(WARNING|ERROR)\]/);
  });
}

// helm lint renders in lint mode, where the templates' `fail` is only logged; values the schema rejects do fail
// it (bad-values.test.ts covers the `fail` checks through helm template, which is what install runs).
t.test('helm lint --strict fails on values the schema rejects', async (t) => {
  const result = await withValuesFile({ replicas: 2 }, (file) => runHelm(['lint', '--strict', chartDir, '--values', file]));
  t.not(result.code, 0);
  t.match(result.stdout + result.stderr, /Additional property replicas is not allowed/);
});
