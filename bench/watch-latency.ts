/**
 * watch-latency: 20 watchers on Instances while a writer creates 500 objects per second for 10 s against
 * `converge serve --api-only` (child process, embedded sqlite). Latency is from the moment the create is sent to
 * the moment each watcher receives its ADDED event, so it includes the write's own round trip and durable
 * commit (a conservative reading of commit→delivery). No baseline: absolute target.
 */
import type { ClientRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServe } from '../test/helpers/cli.js';
import { secureClient, type SecureClient } from './secure-http.js';
import { percentile, printTable, writeResults, type Measurement } from './lib.js';

/** Options of {@link runWatchLatency}. */
export interface WatchLatencyOptions {
  readonly watchers: number;
  readonly writesPerSecond: number;
  readonly seconds: number;
  /** Extra node flags for the server, e.g. `--cpu-prof` (BENCH_SERVER_NODE_ARGS). */
  readonly serverNodeArgs?: readonly string[];
}

/** The sizes. */
export const defaultWatchLatency: WatchLatencyOptions = { watchers: 20, writesPerSecond: 500, seconds: 10 };

const PATH = '/apis/converge.io/v1alpha1/namespaces/default/instances';

/** Opens a watch and calls `onAdded(name)` for each ADDED event; resolves once the stream is open. */
function watch(client: SecureClient, onAdded: (name: string) => void): Promise<ClientRequest> {
  return client.stream(`${PATH}?watch=1&allowWatchBookmarks=false`, (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const event = JSON.parse(line) as { type: string; object: { metadata: { name: string } } };
        if (event.type === 'ADDED') onAdded(event.object.metadata.name);
        nl = buffer.indexOf('\n');
      }
    });
  });
}

/** Runs the benchmark, prints its table and writes its JSON. */
export async function runWatchLatency(options: WatchLatencyOptions = defaultWatchLatency): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-watch-'));
  const serve = await spawnServe(['--data-dir', dir, '--listen', '127.0.0.1:0', '--api-only'], { nodeArgs: options.serverNodeArgs ?? [] });
  const client = secureClient(serve, 64);
  const sentAt = new Map<string, bigint>();
  const latencies: number[] = [];
  let delivered = 0;
  const watches: ClientRequest[] = [];
  try {
    for (let w = 0; w < options.watchers; w++) {
      watches.push(
        await watch(client, (name) => {
          const at = sentAt.get(name);
          if (at === undefined) return;
          latencies.push(Number(process.hrtime.bigint() - at) / 1e6);
          delivered++;
        }),
      );
    }
    const total = options.writesPerSecond * options.seconds;
    const tickMs = 10;
    const perTick = (options.writesPerSecond * tickMs) / 1000;
    let sent = 0;
    const writes: Promise<void>[] = [];
    const started = Date.now();
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * options.writesPerSecond) + perTick);
      for (; sent < due; sent++) {
        const name = `w-${sent}`;
        const body = JSON.stringify({ apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name, namespace: 'default' }, spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 512 } });
        sentAt.set(name, process.hrtime.bigint());
        writes.push(
          client.request('POST', PATH, body).then((res) => {
            if (res.code !== 201) throw new Error(`create answered ${res.code}: ${res.text.slice(0, 200)}`);
          }),
        );
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await Promise.all(writes);
    const achieved = total / ((Date.now() - started) / 1000);
    const deadline = Date.now() + 30_000;
    while (delivered < total * options.watchers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (delivered < total * options.watchers) throw new Error(`only ${delivered} of ${total * options.watchers} events delivered`);
    const rows: Measurement[] = [
      { contender: `${options.watchers} watchers`, metric: 'achieved writes/s', value: achieved, unit: 'writes/s', rounds: [] },
      { contender: `${options.watchers} watchers`, metric: 'p50 send→delivery', value: percentile(latencies, 50), unit: 'ms', rounds: [] },
      { contender: `${options.watchers} watchers`, metric: 'p99 send→delivery', value: percentile(latencies, 99), unit: 'ms', rounds: [] },
      { contender: `${options.watchers} watchers`, metric: 'max send→delivery', value: percentile(latencies, 100), unit: 'ms', rounds: [] },
    ];
    printTable(`watch-latency: ${total} creates at ${options.writesPerSecond}/s, ${options.watchers} watchers (${delivered} deliveries)`, rows);
    process.stdout.write(`results: ${await writeResults('watch-latency', { ...options }, rows)}\n`);
  } finally {
    for (const w of watches) w.destroy();
    client.agent.destroy();
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
