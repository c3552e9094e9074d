/**
 * The canary (issue #8): a real `converge serve` (TLS + admin token by default, debug logging,
 * `--audit-log-path`) is given Secrets whose values carry a unique canary — through kubectl's
 * server-side apply (`converge apply` refuses core kinds such as Secret today), `kubectl create secret` and a
 * JSON POST — and a ProviderConfig (driver s3, unreachable endpoint) applied with `converge apply` that uses one
 * of them, with a Bucket on it, so the controllers read the credentials and fail with errors. Then every place the canary must not reach is grepped for the value and for its base64
 * at every byte alignment: the server's stdout/stderr, the audit log, all Events, every object of every kind
 * (Secrets' `data` aside), the journal, `converge describe`, CLI errors, and every file in the data directory
 * (the sqlite store included). Expected: 0. An admin's `converge get secret -o yaml` does show the data, which
 * proves the same grep finds it where it is allowed to be.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { servedTypes } from '../../schemas/index.js';
import type { ResourceType } from '../../schemas/types.js';
import { spawnServe } from '../helpers/cli.js';
import { runConverge, type CliResult } from '../helpers/converge-cli.js';
import { request } from '../helpers/http.js';
import { kubectls } from '../helpers/tools.js';
import { runKubectl } from '../helpers/kubectl.js';

const CANARY = `cnry${randomBytes(12).toString('hex')}`;

/**
 * What finds the canary in any text: the value itself, and its base64 at the three byte alignments it can have
 * inside a longer base64 string (characters that depend on neighbouring bytes are cut off).
 */
function needles(value: string): string[] {
  const out = [value];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x41), Buffer.from(value, 'utf8')]).toString('base64');
    out.push(encoded.slice(Math.ceil((8 * shift) / 6), -4));
  }
  return out;
}
const NEEDLES = needles(CANARY);
/** Occurrences of any needle in `text`. */
function count(text: string): number {
  let n = 0;
  for (const needle of NEEDLES) n += text.split(needle).length - 1;
  return n;
}

const dataDir = await mkdtemp(join(tmpdir(), 'converge-canary-'));
t.teardown(() => rm(dataDir, { recursive: true, force: true }));
const auditLog = join(dataDir, 'audit-canary-run.log');
const serve = await spawnServe(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'debug', '--sim-state', 'memory', '--audit-log-path', auditLog]);
t.teardown(() => serve.stop());
const env = { KUBECONFIG: serve.kubeconfig };
const cli = (...args: string[]): Promise<CliResult> => runConverge(args, { env });
const kubectl = kubectls().at(-1)?.path ?? 'kubectl';

function listPath(type: ResourceType): string {
  return type.group === '' ? `/api/${type.version}/${type.plural}` : `/apis/${type.group}/${type.version}/${type.plural}`;
}

/** Every object of every served kind, Secrets without their `data`: where the canary must not be. */
async function everyObject(): Promise<string> {
  const parts: string[] = [];
  for (const type of servedTypes) {
    const res = await request(serve.url, listPath(type));
    if (res.status !== 200) throw new Error(`list ${type.plural}: ${res.status} ${res.text}`);
    const items = (res.body['items'] as Record<string, unknown>[] | undefined) ?? [];
    for (const item of items) {
      const { data: _allowed, ...rest } = item;
      parts.push(JSON.stringify(type.plural === 'secrets' ? rest : item));
    }
  }
  return parts.join('\n');
}

t.test('plant the canary and make the controllers fail with it', async (t) => {
  // converge apply does not know core kinds (Secret) yet: the Secret goes in by kubectl's server-side apply.
  const secretManifest = join(dataDir, 'canary-secret.yaml');
  await writeFile(secretManifest, `apiVersion: v1\nkind: Secret\nmetadata: {name: s3-canary, namespace: default}\nstringData: {accessKeyId: ${CANARY}-ak, secretAccessKey: ${CANARY}}\n`);
  const ssa = await runKubectl(kubectl, ['apply', '--server-side', '-f', secretManifest], env);
  t.equal(ssa.code, 0, ssa.stderr);
  const manifest = join(dataDir, 'canary-resources.yaml');
  await writeFile(
    manifest,
    `apiVersion: converge.io/v1alpha1
kind: ProviderConfig
metadata: {name: s3-canary}
spec:
  driver: s3
  endpoint: http://127.0.0.1:1
  region: us-east-1
  credentialsSecretRef: {name: s3-canary, namespace: default}
---
apiVersion: converge.io/v1alpha1
kind: Bucket
metadata: {name: canary-bucket, namespace: default}
spec:
  providerRef: {name: s3-canary}
---
apiVersion: converge.io/v1alpha1
kind: ProviderConfig
metadata: {name: sim-canary}
spec:
  driver: sim
  credentialsSecretRef: {name: s3-canary, namespace: default}
---
apiVersion: converge.io/v1alpha1
kind: Bucket
metadata: {name: sim-canary-bucket, namespace: default}
spec:
  providerRef: {name: sim-canary}
`,
  );
  const applied = await cli('apply', '-f', manifest);
  t.equal(applied.code, 0, applied.stderr);
  const created = await runKubectl(kubectl, ['create', 'secret', 'generic', 'kubectl-canary', '-n', 'default', `--from-literal=token=${CANARY}-kubectl`], env);
  t.equal(created.code, 0, created.stderr);
  const posted = await request(serve.url, '/api/v1/namespaces/default/secrets', {
    method: 'POST',
    json: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'posted-canary' }, data: { v: Buffer.from(CANARY).toString('base64') } },
  });
  t.equal(posted.status, 201);
  // A bad write whose error could echo the value back: the message must name the field, not the value.
  const rejected = await request(serve.url, '/api/v1/namespaces/default/secrets', {
    method: 'POST',
    json: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad-canary' }, data: { 'bad key!': CANARY } },
  });
  t.equal(rejected.status, 422);
  t.equal(count(rejected.text), 0, 'a validation error does not echo the value');

  // The Bucket's controller reads the Secret, calls the unreachable endpoint and reports the failure.
  const deadline = Date.now() + 30_000;
  let status = '';
  for (;;) {
    const res = await request(serve.url, '/apis/converge.io/v1alpha1/namespaces/default/buckets/canary-bucket');
    status = JSON.stringify(res.body['status'] ?? {});
    if (/"status":"False"/.test(status) && /ECONNREFUSED|127\.0\.0\.1:1|connect|reach/i.test(status)) break;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  t.match(status, /"status":"False"/, `the Bucket failed, as planned: ${status}`);
  // A failing observe is a condition, not an Event: Events come from the Bucket on the simulated cloud, whose
  // ProviderConfig holds the canary credentials too (the connect step reads them for every driver).
  let events = '';
  while (!/"reason":"Created"/.test(events) && Date.now() < deadline + 20_000) {
    events = (await request(serve.url, '/api/v1/events')).text;
    await new Promise((r) => setTimeout(r, 250));
  }
  t.match(events, /sim-canary-bucket/, 'the Bucket on the simulated cloud produced Events');
});

t.test('the canary appears 0 times everywhere it must not be', async (t) => {
  const outputs: Record<string, string> = {};
  const run = async (name: string, result: Promise<CliResult>) => {
    const r = await result;
    outputs[name] = `${r.stdout}\n${r.stderr}`;
    return r;
  };
  await run('converge describe secret s3-canary', cli('describe', 'secret', 's3-canary', '-n', 'default'));
  await run('converge describe bucket', cli('describe', 'bucket', 'canary-bucket', '-n', 'default'));
  await run('converge describe providerconfig', cli('describe', 'providerconfig', 's3-canary'));
  await run('converge journal (s3 bucket)', cli('journal', 'bucket/canary-bucket', '-n', 'default', '-o', 'json'));
  const journal = await run('converge journal (sim bucket)', cli('journal', 'bucket/sim-canary-bucket', '-n', 'default', '-o', 'json'));
  t.match(journal.stdout, /create/i, 'the journal has entries (the grep reads a real journal)');
  await run('converge events -A', cli('events', '-A'));
  const kEvents = await runKubectl(kubectl, ['get', 'events', '-A', '-o', 'yaml'], env);
  outputs['kubectl get events -A -o yaml'] = kEvents.stdout + kEvents.stderr;
  const kDescribe = await runKubectl(kubectl, ['describe', 'secret', 's3-canary', '-n', 'default'], env);
  outputs['kubectl describe secret'] = kDescribe.stdout + kDescribe.stderr;
  // A CLI error about a Secret (immutable type change) must name the field only.
  const typeChange = join(dataDir, 'canary-type.yaml');
  await writeFile(typeChange, `apiVersion: v1\nkind: Secret\nmetadata: {name: s3-canary, namespace: default}\ntype: kubernetes.io/basic-auth\nstringData: {password: ${CANARY}-new}\n`);
  const refused = await runKubectl(kubectl, ['apply', '--server-side', '-f', typeChange], env);
  outputs['kubectl apply error (Secret type change)'] = refused.stdout + refused.stderr;
  t.not(refused.code, 0, 'changing the type of a Secret is refused');
  outputs['every object of every kind (Secret data aside), incl. status and Events'] = await everyObject();
  outputs['server stdout+stderr at debug level'] = serve.output();
  t.match(serve.output(), /"level":20/, 'the server did log at debug level');

  const files = (await readdir(dataDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const auditFiles = files.filter((e) => e.name.startsWith('audit-canary-run'));
  t.ok(auditFiles.length > 0, 'the audit log is written at --audit-log-path');
  const audit = (await Promise.all(auditFiles.map((e) => readFile(join(e.parentPath, e.name), 'utf8')))).join('');
  t.match(audit, /"resource":"secrets"/, 'the audit log recorded the Secret writes (the grep reads a real log)');
  outputs['audit log'] = audit;
  for (const file of files) {
    if (file.name.startsWith('canary-')) continue; // the manifests this test wrote
    outputs[`data dir file ${join(file.parentPath, file.name).slice(dataDir.length + 1)}`] = (await readFile(join(file.parentPath, file.name))).toString('latin1');
  }
  t.ok(Object.keys(outputs).some((k) => k.includes('state.db')), 'the sqlite store is among the files grepped');

  for (const [where, text] of Object.entries(outputs)) t.equal(count(text), 0, `canary in ${where}`);

  // Positive control: where an admin may see the data, the same grep finds it.
  const shown = await cli('get', 'secret', 's3-canary', '-n', 'default', '-o', 'yaml');
  t.equal(shown.code, 0, shown.stderr);
  t.ok(count(shown.stdout) >= 2, 'converge get secret -o yaml shows the data to an admin (the grep works)');
  const kshown = await runKubectl(kubectl, ['get', 'secret', 'kubectl-canary', '-n', 'default', '-o', 'jsonpath={.data.token}'], env);
  t.ok(count(kshown.stdout) >= 1, 'and so does kubectl');
});
