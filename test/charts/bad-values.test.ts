// Values that would deploy something broken are refused by `helm template` (and so by `helm install`) with a
// message that says what is wrong.
import t from 'tap';
import { helmTemplate } from './helm.js';

const cases: { name: string; values: Record<string, unknown>; message: RegExp }[] = [
  {
    name: 'two replicas on the embedded store',
    values: { replicaCount: 2 },
    message: /replicaCount is 2, but the embedded store \(store\.type: embedded\) runs a single replica.*use store\.type: etcd/,
  },
  { name: 'a mistyped value (replicaCount as a string)', values: { replicaCount: 'two' }, message: /replicaCount: Invalid type\. Expected: integer, given: string/ },
  { name: 'a misspelt key', values: { replicas: 2 }, message: /Additional property replicas is not allowed/ },
  { name: 'a misspelt nested key', values: { serviceMonitor: { enable: true } }, message: /serviceMonitor: Additional property enable is not allowed/ },
  { name: 'an unknown mode', values: { mode: 'cluster' }, message: /mode: mode must be one of the following: "standalone", "kube"/ },
  { name: 'an unknown store type', values: { store: { type: 'postgres' } }, message: /store\.type: store\.type must be one of the following: "embedded", "etcd"/ },
  { name: 'an etcd endpoint with a scheme', values: { store: { type: 'etcd', etcd: { endpoints: ['http://etcd:2379'] } } }, message: /store\.etcd\.endpoints\.0: Does not match pattern/ },
  { name: 'etcd without endpoints', values: { store: { type: 'etcd' } }, message: /store\.type is etcd but store\.etcd\.endpoints is empty/ },
  {
    name: 'several replicas without leader election',
    values: { replicaCount: 3, store: { type: 'etcd', etcd: { endpoints: ['etcd:2379'] } }, leaderElection: { enabled: false }, security: { sharedSecret: 's' } },
    message: /replicaCount is 3 with leaderElection\.enabled: false: every replica would run the controllers/,
  },
  {
    name: 'several standalone replicas without the shared CA, tokens and encryption keys',
    values: { replicaCount: 2, store: { type: 'etcd', etcd: { endpoints: ['etcd:2379'] } } },
    message: /replicaCount is 2 in standalone mode without security\.sharedSecret: each replica would make its own CA, tokens and Secrets encryption key/,
  },
  {
    name: 'an etcd store in kube mode',
    values: { mode: 'kube', store: { type: 'etcd', etcd: { endpoints: ['etcd:2379'] } } },
    message: /store\.type: etcd does nothing in kube mode: the cluster's API server is the store/,
  },
  { name: 'a lease duration without a unit', values: { leaderElection: { leaseDuration: '15' } }, message: /leaderElection\.leaseDuration: Does not match pattern/ },
  { name: 'zero workers', values: { workers: 0 }, message: /workers: Must be greater than or equal to 1/ },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const result = await helmTemplate({ values: c.values });
    t.not(result.code, 0, 'helm template fails');
    t.match(result.stderr, c.message);
    t.equal(result.stdout.includes('kind: Deployment'), false, 'nothing is rendered');
  });
}
