/**
 * `converge serve --kube` that cannot start says why in one line (never a stack trace) and exits non-zero:
 * exit 1 for an unusable cluster or configuration, 2 for a usage error. One case per kind of failure (each is
 * a process start); every configuration error's wording is checked in config.test.ts.
 */
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { renderKubeconfig } from '../../src/server/kubeconfig.js';
import { runConverge } from '../helpers/converge-cli.js';
import { freePort } from '../helpers/ports.js';

const dir = await mkdtemp(join(tmpdir(), 'converge-kube-err-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

const kubeconfigFor = async (name: string, server: string) => {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, renderKubeconfig({ server, name }));
  return path;
};

// An API server without the converge.io CRDs: every resource path is 404, as kube-apiserver answers.
const bare = createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 }));
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => bare.close(() => resolve())));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

// A port something listens on, for --metrics-listen.
const busy = createServer();
await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => busy.close(() => resolve())));
const busyPort = (busy.address() as AddressInfo).port;

const garbage = join(dir, 'garbage.yaml');
await writeFile(garbage, 'clusters: [unclosed\n');
const closedPort = await freePort();
const unreachable = await kubeconfigFor('unreachable', `http://127.0.0.1:${closedPort}`);
const noCrds = await kubeconfigFor('bare', bareUrl);

const cases: { name: string; args: string[]; env?: Record<string, string>; code: number; error: RegExp }[] = [
  { name: 'missing kubeconfig', args: ['--kubeconfig', join(dir, 'missing.yaml')], code: 1, error: /^error: kubeconfig \S+missing\.yaml \(--kubeconfig\) does not exist$/ },
  { name: 'kubeconfig that is not YAML', args: ['--kubeconfig', garbage], code: 1, error: /^error: cannot read kubeconfig \S+garbage\.yaml: / },
  {
    name: 'unreachable API server',
    args: ['--kubeconfig', unreachable],
    code: 1,
    error: new RegExp(`^error: cannot reach the API server at http://127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED`),
  },
  {
    name: 'API server without the CRDs',
    args: ['--kubeconfig', noCrds],
    code: 1,
    error: /^error: the API server at http:\/\/127\.0\.0\.1:\d+ does not serve instances\.converge\.io\/v1alpha1: install the CRDs first/,
  },
  { name: 'a store flag', args: ['--kubeconfig', noCrds, '--store', 'memory://'], code: 2, error: /^error: serve --kube: --store is not used: kube mode keeps no store/ },
  { name: 'bad --metrics-listen', args: ['--kubeconfig', noCrds, '--metrics-listen', 'everywhere'], code: 2, error: /^error: --metrics-listen: expected HOST:PORT/ },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const res = await runConverge(['serve', '--kube', '--metrics-listen', '127.0.0.1:0', ...c.args], { ...(c.env ? { env: c.env } : {}) });
    t.equal(res.code, c.code, `exit code (stderr: ${res.stderr})`);
    const lines = res.stderr.trimEnd().split('\n');
    t.equal(lines.length, 1, `one line on stderr: ${res.stderr}`);
    t.match(lines[0], c.error);
    t.notMatch(res.stderr, /^\s+at /m, 'no stack trace');
    t.equal(res.stdout, '', 'nothing claims to be running');
  });
}

t.test('the metrics port is taken', async (t) => {
  // Against Converge's own API server, so that everything but the listen succeeds.
  const { spawnServe } = await import('../helpers/cli.js');
  const api = await spawnServe(['--api-only', '--data-dir', join(dir, 'api'), '--listen', '127.0.0.1:0']);
  t.teardown(() => api.stop());
  const res = await runConverge(['serve', '--kube', '--kubeconfig', api.kubeconfig, '--metrics-listen', `127.0.0.1:${busyPort}`]);
  t.equal(res.code, 1, res.stderr);
  const lines = res.stderr.trimEnd().split('\n');
  t.equal(lines.length, 1, `one line on stderr: ${res.stderr}`);
  t.match(lines[0], new RegExp(`^error: .*EADDRINUSE.*127\\.0\\.0\\.1:${busyPort}`));
});

t.test('the API server goes away under the leader: it gives the Lease up and exits 1 for the kubelet to restart', async (t) => {
  const { spawnServe } = await import('../helpers/cli.js');
  const { spawnKube, until } = await import('./helpers.js');
  const api = await spawnServe(['--api-only', '--data-dir', join(dir, 'api-gone'), '--listen', '127.0.0.1:0']);
  t.teardown(() => api.kill9());
  const replica = await spawnKube(['--kubeconfig', api.kubeconfig, '--lease-duration', '3s']);
  t.teardown(() => replica.kill9());
  await until('the replica to lead', 10_000, async () => {
    const text = await (await fetch(`${replica.healthUrl}/metrics`)).text();
    return /^leader_election_master_status\{[^}]*\} 1$/m.test(text) ? true : undefined;
  });
  await api.kill9();
  const stoppedAt = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    if (replica.child.exitCode !== null) resolve(replica.child.exitCode);
    else replica.child.once('exit', (c) => resolve(c));
  });
  const took = Date.now() - stoppedAt;
  t.equal(code, 1, 'exit 1');
  // The renew deadline is 2/3 of the lease (2 s), then a shutdown that cannot release the Lease; the rest is
  // slack for a loaded 2-core machine.
  t.ok(took < 2000 + 6000, `exited ${took} ms after the API server died (renew deadline 2 s)`);
  t.match(replica.output(), /lost the controller lease; shutting down/);
});
