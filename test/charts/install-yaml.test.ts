// manifests/install.yaml is the chart rendered with its defaults (scripts/render-install.sh); it cannot go
// stale, and what it installs is valid.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/cli.js';
import { helmPath, parseManifests } from './helm.js';
import { ofKind, renderedProblems } from './rendered.js';

const installYaml = join(repoRoot, 'manifests/install.yaml');

function render(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(join(repoRoot, 'scripts/render-install.sh'), [], { cwd: repoRoot, env: { ...process.env, HELM: helmPath() }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`scripts/render-install.sh failed: ${stderr}`));
      else resolve(stdout);
    });
  });
}

t.test('manifests/install.yaml is the current rendering of the chart', async (t) => {
  const fresh = await render();
  t.ok(fresh === readFileSync(installYaml, 'utf8'), 'manifests/install.yaml is stale: run scripts/render-install.sh > manifests/install.yaml');
});

t.test('install.yaml holds a Namespace, the CRDs and a sound standalone deployment', async (t) => {
  const objs = parseManifests(readFileSync(installYaml, 'utf8'));
  t.same(renderedProblems(objs), []);
  t.equal(objs[0]?.['kind'], 'Namespace', 'the namespace comes first, so kubectl apply -f creates it before its objects');
  t.ok(ofKind(objs, 'CustomResourceDefinition').length > 0, 'the CRDs are included');
  t.equal(ofKind(objs, 'Deployment').length, 1);
});
