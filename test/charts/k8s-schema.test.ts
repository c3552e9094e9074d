// The offline Kubernetes schema check the chart tests rely on must itself catch what it claims to catch.
import t from 'tap';
import { validateManifest } from './k8s-schema.js';

function deployment(container: Record<string, unknown>, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', labels: { app: 'x' } },
    spec: {
      selector: { matchLabels: { app: 'x' } },
      template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i', ...container }] } },
      ...spec,
    },
  };
}

const cases: { name: string; obj: Record<string, unknown>; problem: RegExp | undefined }[] = [
  { name: 'a valid Deployment', obj: deployment({ ports: [{ name: 'http', containerPort: 80 }] }), problem: undefined },
  { name: 'a wrong type', obj: deployment({}, { replicas: 'two' }), problem: /data\/spec\/replicas must be integer/ },
  { name: 'a missing required field', obj: deployment({ ports: [{ name: 'http' }] }), problem: /containerPort/ },
  { name: 'an unknown field in a container', obj: deployment({ imagee: 'typo' }), problem: /spec\/template\/spec\/containers\/0\/imagee is not a field/ },
  { name: 'an unknown top-level spec field', obj: deployment({}, { replica: 2 }), problem: /data\/spec\/replica is not a field/ },
  { name: 'known fields inside a list (env) pass', obj: deployment({ env: [{ name: 'A', value: 'b' }], resources: { limits: { memory: '1Gi' } } }), problem: undefined },
  {
    name: 'a CRD column description (dropped from the compiled schema, a real field)',
    obj: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.io' },
      spec: {
        group: 'example.io',
        names: { kind: 'Thing', plural: 'things' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            additionalPrinterColumns: [{ name: 'A', type: 'string', jsonPath: '.a', description: 'a column' }],
            schema: { openAPIV3Schema: { type: 'object', description: 'x', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    },
    problem: undefined,
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const problems = validateManifest(c.obj);
    if (c.problem === undefined) t.same(problems, []);
    else t.ok(problems.some((p) => c.problem?.test(p)), `expected a problem matching ${String(c.problem)}, got ${JSON.stringify(problems)}`);
  });
}

t.test('a kind without a known schema is an error, not a pass', async (t) => {
  t.throws(() => validateManifest({ apiVersion: 'example.io/v1', kind: 'Thing', metadata: { name: 'x' } }), /no Kubernetes schema known for example.io\/v1 Thing/);
});
