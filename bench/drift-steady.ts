/**
 * drift-steady: CPU that steady-state polling costs. N simulated Instances (zero latency) are created and
 * become Ready; then the process's CPU time is measured over a window while every object is re-observed on its
 * pollInterval. The case is 10,000 objects at a 10 min interval; to see enough polls in a short run the
 * objects poll every `pollSeconds` and the figure is scaled by pollSeconds / 600 (CPU per poll is the same; the
 * poll rate is what scales). In-process server, embedded sqlite; no baseline: absolute target.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instanceType, providerConfigType } from '../schemas/index.js';
import { createInProcessClient } from '../src/client/inprocess.js';
import { silentLogger } from '../src/observability/logger.js';
import { startConvergeServer } from '../src/server/converge-server.js';
import { pool, printTable, writeResults, type Measurement } from './lib.js';

/** Options of {@link runDriftSteady}. */
export interface DriftSteadyOptions {
  readonly instances: number;
  readonly pollSeconds: number;
  readonly windowSeconds: number;
}

/** 10,000 objects polling every 60 s, measured over 120 s (two full poll cycles). */
export const defaultDriftSteady: DriftSteadyOptions = { instances: 10_000, pollSeconds: 60, windowSeconds: 120 };

function isReady(obj: { status?: Record<string, unknown> }): boolean {
  const conditions = obj.status?.['conditions'];
  return Array.isArray(conditions) && conditions.some((c) => c !== null && typeof c === 'object' && !Array.isArray(c) && c['type'] === 'Ready' && c['status'] === 'True');
}

/** Runs the benchmark, prints its table and writes its JSON. */
export async function runDriftSteady(options: DriftSteadyOptions = defaultDriftSteady): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-steady-'));
  const server = await startConvergeServer({ dataDir: dir, host: '127.0.0.1', port: 0, logger: silentLogger(), simState: 'memory' });
  const client = createInProcessClient({ registry: server.registry });
  try {
    await client.patch(providerConfigType, undefined, 'default', { type: 'merge', body: { spec: { concurrency: { maxConcurrent: 64 } } } });
    const names = Array.from({ length: options.instances }, (_, i) => `vm-${i}`);
    await pool(names, 32, async (name) => {
      await client.create(instanceType, {
        apiVersion: 'converge.io/v1alpha1',
        kind: 'Instance',
        metadata: { name, namespace: 'default' },
        spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 512, pollInterval: `${options.pollSeconds}s` },
      });
    });
    for (;;) {
      const list = await client.list(instanceType, { namespace: 'default' });
      if (list.items.filter(isReady).length === options.instances) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    // Let the creation burst's writes and the first polls settle into the steady cycle.
    await new Promise((r) => setTimeout(r, options.pollSeconds * 1000));
    const observesBefore = await observeCount(server.metrics.registry);
    const cpuBefore = process.cpuUsage();
    const wallBefore = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, options.windowSeconds * 1000));
    const cpu = process.cpuUsage(cpuBefore);
    const wall = Number(process.hrtime.bigint() - wallBefore) / 1e9;
    const observes = (await observeCount(server.metrics.registry)) - observesBefore;
    const share = (cpu.user + cpu.system) / 1e6 / wall;
    const scaled = share * (options.pollSeconds / 600);
    const rows: Measurement[] = [
      { contender: `${options.instances} objects`, metric: `observes in ${options.windowSeconds} s`, value: observes, unit: 'calls', rounds: [] },
      { contender: `${options.instances} objects`, metric: `CPU at ${options.pollSeconds} s poll`, value: share * 100, unit: '% of a core', rounds: [] },
      { contender: `${options.instances} objects`, metric: 'CPU scaled to 10 min poll', value: scaled * 100, unit: '% of a core', rounds: [] },
      { contender: `${options.instances} objects`, metric: 'CPU per observe', value: observes > 0 ? ((cpu.user + cpu.system) / 1000) / observes : 0, unit: 'ms', rounds: [] },
    ];
    printTable(`drift-steady: ${options.instances} Ready Instances, pollInterval ${options.pollSeconds}s, ${options.windowSeconds}s window`, rows);
    process.stdout.write(`results: ${await writeResults('drift-steady', { ...options }, rows)}\n`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function observeCount(registry: Registry): Promise<number> {
  const metric = await registry.getSingleMetric('converge_external_calls_total')?.get();
  return (metric?.values ?? []).filter((v) => v.labels['operation'] === 'Observe').reduce((sum, v) => sum + v.value, 0);
}
