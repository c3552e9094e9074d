/**
 * converge-10k: N simulated Instances from create (over HTTP, 32 concurrent, as `converge apply` sends them) to
 * all Ready, on `converge serve` in-process with the embedded sqlite store — once with zero simulated latency
 * and once with 1 s per simulated call. No baseline: the issue sets absolute targets (≤60 s and ≤2 min).
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instanceType, providerConfigType } from '../schemas/index.js';
import { createInProcessClient } from '../src/client/inprocess.js';
import { silentLogger } from '../src/observability/logger.js';
import { startConvergeServer } from '../src/server/converge-server.js';
import { pool, printTable, seconds, writeResults, type Measurement } from './lib.js';

/** Options of {@link runConverge10k}. */
export interface Converge10kOptions {
  readonly instances: number;
  /** Simulated latency per call of each phase, in ms. */
  readonly latenciesMs: readonly number[];
  /** Workers per controller and the ProviderConfig's maxConcurrent, per phase. */
  readonly workers: readonly number[];
}

/** The sizes. */
export const defaultConverge10k: Converge10kOptions = { instances: 10_000, latenciesMs: [0, 1000], workers: [16, 1024] };

function post(agent: http.Agent, port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/apis/converge.io/v1alpha1/namespaces/default/instances', method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

function isReady(obj: { status?: Record<string, unknown> }): boolean {
  const conditions = obj.status?.['conditions'];
  return Array.isArray(conditions) && conditions.some((c) => c !== null && typeof c === 'object' && !Array.isArray(c) && c['type'] === 'Ready' && c['status'] === 'True');
}

async function phase(instances: number, latencyMs: number, workers: number): Promise<{ seconds: number; createSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-converge-'));
  const server = await startConvergeServer({ dataDir: dir, host: '127.0.0.1', port: 0, logger: silentLogger(), simState: 'memory', workers });
  const client = createInProcessClient({ registry: server.registry });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  try {
    await client.patch(providerConfigType, undefined, 'default', {
      type: 'merge',
      body: { spec: { options: { latencyMs: String(latencyMs) }, concurrency: { maxConcurrent: Math.min(1024, workers) } } },
    });
    const port = Number(new URL(server.url).port);
    const bodies = Array.from({ length: instances }, (_, i) =>
      JSON.stringify({ apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name: `vm-${i}`, namespace: 'default' }, spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 512 } }),
    );
    const started = process.hrtime.bigint();
    const createSeconds = await seconds(() =>
      pool(bodies, 32, async (text) => {
        const code = await post(agent, port, text);
        if (code !== 201) throw new Error(`create answered ${code}`);
      }),
    );
    for (;;) {
      let ready = 0;
      let cont: string | undefined;
      do {
        const page = await client.list(instanceType, { namespace: 'default', limit: 2000, ...(cont ? { continue: cont } : {}) });
        ready += page.items.filter(isReady).length;
        cont = page.continue;
      } while (cont);
      if (ready === instances) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, createSeconds };
  } finally {
    agent.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the benchmark, prints its table and writes its JSON. */
export async function runConverge10k(options: Converge10kOptions = defaultConverge10k): Promise<void> {
  const rows: Measurement[] = [];
  for (const [i, latencyMs] of options.latenciesMs.entries()) {
    const workers = options.workers[i] ?? 16;
    const result = await phase(options.instances, latencyMs, workers);
    const contender = `sim latency ${latencyMs} ms, ${workers} workers`;
    rows.push({ contender, metric: 'create → all Ready', value: result.seconds, unit: 's', rounds: [result.seconds] });
    rows.push({ contender, metric: 'creates (HTTP) alone', value: result.createSeconds, unit: 's', rounds: [result.createSeconds] });
  }
  printTable(`converge-10k: ${options.instances} Instances on the simulated cloud`, rows);
  process.stdout.write(`results: ${await writeResults('converge-10k', { ...options }, rows)}\n`);
}
