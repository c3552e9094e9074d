/**
 * list-10k: LIST of 10,000 Instances (one request, no paging, as `kubectl get instances` without chunking) and in
 * pages of 500 (as kubectl pages), p50/p99 over repeated lists; and the server's memory per 1,000 stored objects
 * (RSS of the `converge serve` process before and after the creates). No baseline: absolute targets.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServe } from '../test/helpers/cli.js';
import { secureClient } from './secure-http.js';
import { percentile, pool, printTable, writeResults, type Measurement } from './lib.js';

/** Options of {@link runList10k}. */
export interface List10kOptions {
  readonly objects: number;
  readonly lists: number;
}

/** The issue's sizes. */
export const defaultList10k: List10kOptions = { objects: 10_000, lists: 20 };

const PATH = '/apis/converge.io/v1alpha1/namespaces/default/instances';

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** Runs the benchmark, prints its table and writes its JSON. */
export async function runList10k(options: List10kOptions = defaultList10k): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-list-'));
  const serve = await spawnServe(['--data-dir', dir, '--listen', '127.0.0.1:0', '--api-only']);
  const pid = serve.child.pid ?? 0;
  const client = secureClient(serve, 32);
  try {
    await client.request('GET', PATH);
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssMiB(pid);
    const bodies = Array.from({ length: options.objects }, (_, i) =>
      JSON.stringify({ apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name: `vm-${i}`, namespace: 'default', labels: { app: 'bench' } }, spec: { providerRef: { name: 'default' }, image: 'debian-12-genericcloud-amd64', vcpus: 2, memoryMiB: 2048 } }),
    );
    await pool(bodies, 32, async (body) => {
      const res = await client.request('POST', PATH, body);
      if (res.code !== 201) throw new Error(`create answered ${res.code}: ${res.text.slice(0, 200)}`);
    });
    await new Promise((r) => setTimeout(r, 1000));
    const afterCreates = rssMiB(pid);
    const full: number[] = [];
    const paged: number[] = [];
    for (let i = 0; i < options.lists; i++) {
      let started = process.hrtime.bigint();
      const res = await client.request('GET', PATH);
      full.push(Number(process.hrtime.bigint() - started) / 1e6);
      const count = (JSON.parse(res.text) as { items: unknown[] }).items.length;
      if (count !== options.objects) throw new Error(`LIST returned ${count} items`);
      started = process.hrtime.bigint();
      let cont = '';
      do {
        const page = await client.request('GET', `${PATH}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
        cont = (JSON.parse(page.text) as { metadata: { continue?: string } }).metadata.continue ?? '';
      } while (cont);
      paged.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const after = rssMiB(pid);
    const perThousand = ((afterCreates - before) * 1000) / options.objects;
    const rows: Measurement[] = [
      { contender: 'full LIST', metric: 'p50', value: percentile(full, 50), unit: 'ms', rounds: full },
      { contender: 'full LIST', metric: 'p99', value: percentile(full, 99), unit: 'ms', rounds: [] },
      { contender: 'paged LIST (limit=500)', metric: 'p50', value: percentile(paged, 50), unit: 'ms', rounds: paged },
      { contender: 'paged LIST (limit=500)', metric: 'p99', value: percentile(paged, 99), unit: 'ms', rounds: [] },
      { contender: 'server RSS', metric: `growth over ${options.objects} creates`, value: afterCreates - before, unit: 'MiB', rounds: [before, afterCreates] },
      { contender: 'server RSS', metric: 'per 1,000 objects (after creates)', value: perThousand, unit: 'MiB', rounds: [] },
      { contender: 'server RSS', metric: `growth over ${options.lists * 2} more lists`, value: after - afterCreates, unit: 'MiB', rounds: [afterCreates, after] },
    ];
    printTable(`list-10k: ${options.objects} Instances, ${options.lists} lists each way`, rows);
    process.stdout.write(`results: ${await writeResults('list-10k', { ...options }, rows)}\n`);
  } finally {
    client.agent.destroy();
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
