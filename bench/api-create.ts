/**
 * api-create: creates of ~1 KiB validated Instances over HTTP against `converge serve` (embedded sqlite store,
 * API only), against a plain `node:http` server that reads and parses the same bodies and echoes them (the
 * baseline: what HTTP + JSON alone cost here). Both servers run in this process, the client too.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/observability/logger.js';
import { startConvergeServer } from '../src/server/converge-server.js';
import { percentile, pool, printTable, seconds, writeResults, type Measurement } from './lib.js';

/** Options of {@link runApiCreate}. */
export interface ApiCreateOptions {
  readonly creates: number;
  readonly concurrency: number;
  readonly rounds: number;
}

/** Default sizes: well under a minute on a 2-core machine. */
export const defaultApiCreate: ApiCreateOptions = { creates: 3000, concurrency: 16, rounds: 3 };

const PATH = '/apis/converge.io/v1alpha1/namespaces/default/instances';

function body(round: number, i: number): string {
  return JSON.stringify({
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Instance',
    metadata: { name: `bench-${round}-${i}`, namespace: 'default', labels: { app: 'bench', tier: 'web', round: String(round) }, annotations: { note: 'n'.repeat(300) } },
    spec: {
      providerRef: { name: 'default' },
      image: 'debian-12-genericcloud-amd64',
      vcpus: 2,
      memoryMiB: 2048,
      networks: [{ networkRef: { name: 'web' } }],
      volumes: [{ volumeRef: { name: `bench-${i}-root` } }],
      pollInterval: '10m',
    },
  });
}

function post(agent: http.Agent, port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: PATH, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(text);
  });
}

async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const obj = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      const out = JSON.stringify(obj);
      res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Runs the benchmark, prints its table and writes its JSON. */
export async function runApiCreate(options: ApiCreateOptions = defaultApiCreate): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const converge = await startConvergeServer({ dataDir: dir, host: '127.0.0.1', port: 0, logger: silentLogger(), controllers: false, simState: 'memory' });
  const echo = await echoServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const targets = [
    { name: 'node:http echo', port: echo.port },
    { name: 'converge', port: Number(new URL(converge.url).port) },
  ];
  const rates = new Map<string, number[]>();
  const latencies = new Map<string, number[]>();
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const target of targets) {
        const bodies = Array.from({ length: options.creates }, (_, i) => body(round, i));
        const lat: number[] = [];
        const elapsed = await seconds(() =>
          pool(bodies, options.concurrency, async (text) => {
            const started = process.hrtime.bigint();
            const code = await post(agent, target.port, text);
            if (code !== 201) throw new Error(`${target.name}: create answered ${code}`);
            lat.push(Number(process.hrtime.bigint() - started) / 1e6);
          }),
        );
        rates.set(target.name, [...(rates.get(target.name) ?? []), options.creates / elapsed]);
        latencies.set(target.name, [...(latencies.get(target.name) ?? []), ...lat]);
      }
    }
    const rows: Measurement[] = [];
    const median = (v: readonly number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] ?? 0;
    const baseRate = median(rates.get('node:http echo') ?? []);
    for (const target of targets) {
      const r = rates.get(target.name) ?? [];
      const l = latencies.get(target.name) ?? [];
      const isBase = target.name === 'node:http echo';
      rows.push({ contender: target.name, metric: 'creates/s', value: median(r), unit: 'ops/s', rounds: r, ...(isBase ? {} : { baseline: baseRate, ratio: median(r) / baseRate }) });
      rows.push({ contender: target.name, metric: 'p50 latency', value: percentile(l, 50), unit: 'ms', rounds: [] });
      rows.push({ contender: target.name, metric: 'p99 latency', value: percentile(l, 99), unit: 'ms', rounds: [] });
    }
    printTable(`api-create: ${options.creates} creates x ${options.rounds} rounds, ${options.concurrency} concurrent (ratio = converge / echo)`, rows);
    process.stdout.write(`results: ${await writeResults('api-create', { ...options }, rows)}\n`);
  } finally {
    agent.destroy();
    await echo.close();
    await converge.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
