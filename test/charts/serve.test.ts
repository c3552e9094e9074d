// The command line the chart renders runs the real `converge serve`, and the endpoints the chart points
// Kubernetes and Prometheus at answer: the probes' paths, and every metric the Grafana dashboard queries.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { spawnServe } from '../helpers/cli.js';
import { startEtcd } from '../helpers/etcd.js';
import { freePort } from '../helpers/ports.js';
import { chartDir, renderChart } from './helm.js';
import { args, at, container } from './rendered.js';
import type { Manifest } from './k8s-schema.js';

/** The rendered args with the pod's listen address and data dir swapped for a free loopback port and a temp dir. */
function localArgs(objs: readonly Manifest[], port: number, dataDir: string): string[] {
  const argv = args(objs);
  if (argv[0] !== 'serve') throw new Error(`the container does not run converge serve: ${argv.join(' ')}`);
  const out = argv.slice(1);
  for (const [flag, value] of [
    ['--listen', `127.0.0.1:${port}`],
    ['--data-dir', dataDir],
  ] as const) {
    const i = out.indexOf(flag);
    if (i < 0) throw new Error(`the chart no longer passes ${flag}`);
    out[i + 1] = value;
  }
  return out;
}

/** Metric families listed by a Prometheus text exposition (`# TYPE name kind`). */
function exportedMetrics(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** Metric names the dashboard's PromQL queries, with histogram series suffixes stripped. */
async function dashboardMetrics(exported: Map<string, string>): Promise<Set<string>> {
  const dashboard = JSON.parse(await readFile(join(chartDir, 'dashboards/converge.json'), 'utf8')) as unknown;
  const exprs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'expr' && typeof v === 'string') exprs.push(v);
        else walk(v);
      }
    }
  };
  walk(dashboard);
  const names = new Set<string>();
  for (const expr of exprs) {
    for (const [name] of expr.matchAll(/\b(?:controller_runtime|workqueue|converge|apiserver|process|nodejs)_[a-z0-9_]+/g)) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      names.add(exported.get(base) === 'histogram' ? base : name);
    }
  }
  return names;
}

async function probe(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

async function runRendered(t: Test, values: Record<string, unknown>): Promise<{ url: string; metrics: string }> {
  const objs = await renderChart({ values });
  const dataDir = await mkdtemp(join(tmpdir(), 'converge-chart-serve-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const server = await spawnServe(localArgs(objs, port, dataDir));
  t.teardown(() => server.stop());
  t.equal(server.url, `http://127.0.0.1:${port}`, 'listens where --listen says');
  const c = container(objs);
  for (const p of ['livenessProbe', 'readinessProbe']) {
    const path = String(at(c, p, 'httpGet', 'path'));
    t.equal(await probe(`${server.url}${path}`), 200, `${p} ${path} answers 200`);
  }
  const res = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5000) });
  t.equal(res.status, 200, '/metrics (the ServiceMonitor path) answers');
  return { url: server.url, metrics: await res.text() };
}

t.test('standalone on the embedded store: args run, probes and metrics answer', async (t) => {
  const { metrics } = await runRendered(t, {});
  const exported = exportedMetrics(metrics);
  const queried = await dashboardMetrics(exported);
  t.ok(queried.size > 10, `the dashboard queries Converge's metrics (${queried.size})`);
  for (const name of queried) t.ok(exported.has(name), `dashboard metric ${name} is exported by converge serve`);
  for (const name of exported.keys()) {
    if (name.startsWith('converge_')) t.ok(queried.has(name), `exported metric ${name} has a dashboard panel (charts/converge/dashboards/converge.json)`);
  }
});

t.test('standalone on etcd: args run with the rendered --store and leader election', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.stop());
  const endpoint = etcd.url.replace(/^etcd:\/\//, '');
  await runRendered(t, { store: { type: 'etcd', etcd: { endpoints: [endpoint], keyPrefix: '/chart-test' } }, replicaCount: 2 });
});
