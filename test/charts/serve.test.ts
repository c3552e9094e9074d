// The command lines the chart renders run the real `converge serve`, and what the chart points Kubernetes and
// Prometheus at answers: the probes' paths, /metrics, and every metric the Grafana dashboard queries. In kube
// mode, `converge serve --api-only` stands in for kube-apiserver (none can run here), as in test/kube-mode/:
// every request the controllers make must be one the chart's RBAC allows, and the Lease must land in the
// namespace the chart's Role covers.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { convergeArgv, repoRoot, spawnServe } from '../helpers/cli.js';
import { startEtcd } from '../helpers/etcd.js';
import { freePort } from '../helpers/ports.js';
import { serverFetch } from '../helpers/secure-fetch.js';
import { chartDir, renderChart } from './helm.js';
import type { Manifest } from './k8s-schema.js';
import { args, at, container, NAMESPACE, rbacAllows, type ApiRequest } from './rendered.js';

/** `argv` with each `flag`'s value replaced; throws when the chart no longer passes one of them. */
function replaceFlags(argv: readonly string[], values: Readonly<Record<string, string>>): string[] {
  const out = [...argv];
  for (const [flag, value] of Object.entries(values)) {
    const i = out.indexOf(flag);
    if (i < 0) throw new Error(`the chart no longer passes ${flag}: ${argv.join(' ')}`);
    out[i + 1] = value;
  }
  return out;
}

/** The rendered args after `serve`. */
function serveArgs(objs: readonly Manifest[]): string[] {
  const argv = args(objs);
  if (argv[0] !== 'serve') throw new Error(`the container does not run converge serve: ${argv.join(' ')}`);
  return argv.slice(1);
}

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'converge-chart-serve-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await serverFetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}

/** Polls until `url` answers 200 (a replica turns ready once its caches synced). */
async function until200(url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await get(url).catch(() => ({ status: 0 }));
    if (status === 200 || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The probes the Deployment declares answer 200 at `base`. */
async function probesAnswer(t: Test, objs: readonly Manifest[], base: string): Promise<void> {
  const c = container(objs);
  for (const p of ['livenessProbe', 'readinessProbe']) {
    const path = String(at(c, p, 'httpGet', 'path'));
    t.equal(await until200(`${base}${path}`, 15_000), 200, `${p} ${path} answers 200`);
  }
}

/** Metric families listed by a Prometheus text exposition (`# TYPE name kind`). */
function metricTypes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** `apiserver_request_total` per resource request (verb, group, resource, subresource), summed over codes. */
function resourceRequests(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (labels['verb'] === 'nonresource') continue;
    const key = JSON.stringify({ verb: labels['verb'], group: labels['group'], resource: labels['resource'], subresource: labels['subresource'] ?? '' });
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
  }
  return out;
}

/** What each mode exports on /metrics, for the dashboard test at the end. */
const exported = { standalone: new Map<string, string>(), kube: new Map<string, string>() };

async function runStandalone(t: Test, values: Record<string, unknown>): Promise<void> {
  const objs = await renderChart({ values });
  const port = await freePort();
  const argv = replaceFlags(serveArgs(objs), { '--listen': `127.0.0.1:${port}`, '--data-dir': await tempDir(t) });
  const server = await spawnServe(argv);
  t.teardown(() => server.stop());
  t.equal(server.url, `https://127.0.0.1:${port}`, 'listens where --listen says, over TLS');
  await probesAnswer(t, objs, server.url);
  const metrics = await get(`${server.url}/metrics`);
  t.equal(metrics.status, 200, '/metrics (the ServiceMonitor path) answers');
  for (const [name, type] of metricTypes(metrics.text)) exported.standalone.set(name, type);
}

t.test('standalone on the embedded store: the rendered args run; probes and /metrics answer', async (t) => {
  await runStandalone(t, {});
});

t.test('standalone on etcd: the rendered --store and leader election run', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.stop());
  await runStandalone(t, { store: { type: 'etcd', etcd: { endpoints: [etcd.url.replace(/^etcd:\/\//, '')], keyPrefix: '/chart-test' } }, replicaCount: 2, security: { sharedSecret: 'converge-shared' } });
});

t.test('kube mode: the rendered args run the controllers; RBAC covers every request; the Lease is in the Role namespace', async (t) => {
  const objs = await renderChart({ values: { mode: 'kube' } });
  const dir = await tempDir(t);
  const api = await spawnServe(['--api-only', '--data-dir', join(dir, 'api'), '--listen', '127.0.0.1:0']);
  t.teardown(() => api.stop());
  const create = async (path: string, obj: Record<string, unknown>) => {
    const res = await serverFetch(`${api.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(obj) });
    t.equal(res.status, 201, `created ${String(obj['kind'])}`);
  };
  const base = '/apis/converge.io/v1alpha1/namespaces/default';
  const meta = (kind: string, name: string) => ({ apiVersion: 'converge.io/v1alpha1', kind, metadata: { name, namespace: 'default' } });
  await create(`${base}/networks`, { ...meta('Network', 'net-1'), spec: { providerRef: { name: 'default' }, cidr: '10.77.0.0/24' } });
  await create(`${base}/volumes`, { ...meta('Volume', 'disk-1'), spec: { providerRef: { name: 'default' }, sizeGiB: 5 } });
  await create(`${base}/instances`, { ...meta('Instance', 'vm-1'), spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 512 } });
  // The requests before the controllers start are the test's own.
  const before = resourceRequests((await get(`${api.url}/metrics`)).text);

  const argv = replaceFlags(serveArgs(objs), { '--metrics-listen': '127.0.0.1:0', '--namespace': NAMESPACE });
  t.ok(argv.includes('--kube'));
  // As in the pod: in-cluster config there, a kubeconfig here (the same HTTP client code path).
  const child = spawn(process.execPath, convergeArgv(['serve', ...argv, '--log-level', 'warn']), {
    cwd: repoRoot,
    env: { ...process.env, KUBECONFIG: api.kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  let healthUrl: string | undefined;
  for (const deadline = Date.now() + 20_000; healthUrl === undefined; ) {
    healthUrl = /^Probes and metrics: (\S+)/m.exec(out)?.[1];
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`converge serve --kube did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await probesAnswer(t, objs, healthUrl);

  let instance: unknown;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    // GETs of instances the ClusterRole allows anyway, so they cannot hide a missing rule.
    instance = JSON.parse((await get(`${api.url}${base}/instances/vm-1`)).text) as unknown;
    const conditions = at(instance, 'status', 'conditions');
    if (Array.isArray(conditions) && conditions.some((c) => at(c, 'type') === 'Ready' && at(c, 'status') === 'True')) break;
  }
  t.equal(JSON.stringify(at(instance, 'status', 'conditions')).includes('"type":"Ready","status":"True"'), true, `the controllers made the Instance Ready:\n${out}`);

  const lease = await get(`${api.url}/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/converge-controllers`);
  t.equal(lease.status, 200, `the Lease is in ${NAMESPACE}, where the chart's Role grants leases`);

  const after = resourceRequests((await get(`${api.url}/metrics`)).text);
  const made = [...after].filter(([key, n]) => n > (before.get(key) ?? 0)).map(([key]) => JSON.parse(key) as ApiRequest);
  t.ok(made.some((r) => r.resource === 'instances' && r.subresource === 'status'), 'the controllers wrote status');
  for (const req of made) t.ok(rbacAllows(objs, req), `RBAC allows ${req.verb} ${req.group || 'core'}/${req.resource}${req.subresource ? `/${req.subresource}` : ''}`);

  const metrics = await get(`${healthUrl}/metrics`);
  t.equal(metrics.status, 200, '/metrics (the ServiceMonitor path) answers');
  for (const [name, type] of metricTypes(metrics.text)) exported.kube.set(name, type);
});

t.test('the Grafana dashboard queries only exported metrics, and every Converge metric has a panel', async (t) => {
  t.ok(exported.standalone.size > 0 && exported.kube.size > 0, 'both modes were scraped');
  const all = new Map([...exported.standalone, ...exported.kube]);
  const dashboard = JSON.parse(await readFile(join(chartDir, 'dashboards/converge.json'), 'utf8')) as unknown;
  const exprs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) k === 'expr' && typeof v === 'string' ? exprs.push(v) : walk(v);
  };
  walk(dashboard);
  const queried = new Set<string>();
  for (const expr of exprs) {
    for (const [name] of expr.matchAll(/\b(?:controller_runtime|workqueue|converge|apiserver|process|nodejs|leader_election)_[a-z0-9_]+/g)) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      queried.add(all.get(base) === 'histogram' ? base : name);
    }
  }
  t.ok(queried.size > 10, `the dashboard queries Converge's metrics (${queried.size})`);
  for (const name of queried) t.ok(all.has(name), `dashboard metric ${name} is exported`);
  for (const name of all.keys()) {
    if (name.startsWith('converge_') || name.startsWith('leader_election_')) {
      t.ok(queried.has(name), `exported metric ${name} has a panel in charts/converge/dashboards/converge.json`);
    }
  }
});
