// The chart installs exactly the CRDs generated from the zod schemas (manifests/crds/, `npm run gen`): same
// files, byte for byte. After a schema change, scripts/sync-chart-crds.sh copies them over.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/cli.js';
import { chartDir, parseManifests, renderChart } from './helm.js';
import { validateManifest } from './k8s-schema.js';
import { at, only } from './rendered.js';

const generatedDir = join(repoRoot, 'manifests/crds');
const chartCrdsDir = join(chartDir, 'crds');
const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
const fix = 'run scripts/sync-chart-crds.sh';

t.test('charts/converge/crds holds exactly the files of manifests/crds', async (t) => {
  const generated = yamlFiles(generatedDir);
  t.ok(generated.length > 0, 'manifests/crds has CRDs');
  t.same(yamlFiles(chartCrdsDir), generated, `same file names (${fix})`);
  t.same(readdirSync(chartCrdsDir).sort(), generated, 'nothing else in the chart crds/ directory');
  for (const f of generated) {
    t.ok(readFileSync(join(chartCrdsDir, f)).equals(readFileSync(join(generatedDir, f))), `${f} is byte-identical (${fix})`);
  }
});

t.test('every CRD validates against the apiextensions.k8s.io/v1 schema', async (t) => {
  for (const f of yamlFiles(chartCrdsDir)) {
    const docs = parseManifests(readFileSync(join(chartCrdsDir, f), 'utf8'));
    t.equal(docs.length, 1, `${f} holds one object`);
    for (const doc of docs) t.same(validateManifest(doc), [], f);
  }
});

t.test('kube mode RBAC covers every CRD the chart ships, with status and finalizers', async (t) => {
  const objs = await renderChart({ values: { mode: 'kube' } });
  const rules = at(only(objs, 'ClusterRole'), 'rules');
  const resources = new Set((Array.isArray(rules) ? rules : []).flatMap((r) => {
    const rs = at(r, 'resources');
    return Array.isArray(rs) ? rs.map(String) : [];
  }));
  for (const f of yamlFiles(chartCrdsDir)) {
    const crd = parseManifests(readFileSync(join(chartCrdsDir, f), 'utf8'))[0];
    const plural = String(at(crd, 'spec', 'names', 'plural'));
    for (const r of [plural, `${plural}/status`, `${plural}/finalizers`]) t.ok(resources.has(r), `ClusterRole grants ${r}`);
  }
});
