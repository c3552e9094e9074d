// NOTES.txt is what `helm install` prints; helm template never shows it. The test renders it from a copy of the
// chart where it is wrapped in a ConfigMap, for each mode, and checks it tells the user the right things.
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { chartDir, parseManifests, runHelm, withValuesFile } from './helm.js';
import { at } from './rendered.js';

async function renderNotes(values: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'converge-notes-'));
  try {
    const chart = join(dir, 'converge');
    await cp(chartDir, chart, { recursive: true });
    const notes = await readFile(join(chart, 'templates/NOTES.txt'), 'utf8');
    await unlink(join(chart, 'templates/NOTES.txt'));
    await writeFile(join(chart, 'templates/_notes.tpl'), `{{- define "converge.test.notes" -}}\n${notes}\n{{- end }}\n`);
    await writeFile(
      join(chart, 'templates/notes.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: |\n{{ include "converge.test.notes" . | indent 4 }}\n',
    );
    const result = await withValuesFile(values, (file) =>
      runHelm(['template', 'converge', chart, '--namespace', 'converge-system', '--values', file, '--show-only', 'templates/notes.yaml']),
    );
    if (result.code !== 0) throw new Error(`NOTES.txt does not render: ${result.stderr}`);
    return String(at(parseManifests(result.stdout)[0], 'data', 'notes'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const cases: { name: string; values: Record<string, unknown>; says: RegExp[]; not: RegExp[] }[] = [
  {
    name: 'defaults',
    values: {},
    says: [/standalone mode, 1 replica\)/, /embedded sqlite on PersistentVolumeClaim converge-data/, /port-forward svc\/converge 6443:6443/, /no authentication/],
    not: [/replicas/, /emptyDir/],
  },
  {
    name: 'no persistence',
    values: { store: { embedded: { persistence: { enabled: false } } } },
    says: [/an emptyDir \(NOT persistent/],
    not: [],
  },
  {
    name: 'etcd with 3 replicas',
    values: { replicaCount: 3, store: { type: 'etcd', etcd: { endpoints: ['etcd-0:2379', 'etcd-1:2379'], keyPrefix: '/cv' } }, security: { sharedSecret: 'converge-shared' } },
    says: [/3 replicas\)/, /etcd at etcd-0:2379,etcd-1:2379\/cv/],
    not: [/sqlite/],
  },
  {
    name: 'kube mode with extras',
    values: { mode: 'kube', serviceMonitor: { enabled: true }, grafanaDashboard: { enabled: true } },
    says: [/kube mode/, /kubectl get instances/, /exposes only \/metrics/, /A ServiceMonitor scrapes them/, /ConfigMap converge-dashboard/],
    not: [/port-forward/, /Store:/],
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const notes = await renderNotes(c.values);
    for (const re of c.says) t.match(notes, re);
    for (const re of c.not) t.notMatch(notes, re);
  });
}
