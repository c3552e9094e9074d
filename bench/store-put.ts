/**
 * store-put: durable puts of 1 KiB values, sequential (1 client) and 100 concurrent, on Converge's sqlite and
 * etcd backends, against raw etcd through the etcd3 client on the same etcd process (the baseline). Each
 * round runs every contender once, in turn; figures are medians over the rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { openBackend } from '../src/store/index.js';
import type { Backend } from '../src/store/types.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { pool, printTable, seconds, summarise, writeResults } from './lib.js';

const VALUE = 'x'.repeat(1024);

interface Contender {
  readonly name: string;
  put(key: string): Promise<void>;
}

/** Options of {@link runStorePut}. */
export interface StorePutOptions {
  readonly sequential: number;
  readonly concurrent: number;
  readonly concurrency: number;
  readonly rounds: number;
}

/** Default sizes: about a minute on a 2-core machine. */
export const defaultStorePut: StorePutOptions = { sequential: 1000, concurrent: 4000, concurrency: 100, rounds: 3 };

/** Runs the benchmark, prints its table and writes its JSON. */
export async function runStorePut(options: StorePutOptions = defaultStorePut): Promise<void> {
  const etcd = await startEtcd();
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const raw = new Etcd3({ hosts: etcd.endpoint });
  const backends: Backend[] = [];
  try {
    const sqlite = await openBackend(`sqlite://${join(dir, 'bench.db')}`);
    const viaEtcd = await openBackend(`${etcd.url}/converge-bench`);
    backends.push(sqlite, viaEtcd);
    const contenders: Contender[] = [
      { name: 'raw-etcd', put: async (key) => void (await raw.put(`/raw${key}`).value(VALUE)) },
      { name: 'converge-etcd', put: async (key) => void (await viaEtcd.create(key, VALUE)) },
      { name: 'converge-sqlite', put: async (key) => void (await sqlite.create(key, VALUE)) },
    ];
    const figures = new Map<string, number[]>();
    const record = (contender: string, metric: string, value: number) => {
      const key = `${contender}|${metric}`;
      figures.set(key, [...(figures.get(key) ?? []), value]);
    };
    for (let round = 0; round < options.rounds; round++) {
      for (const c of contenders) {
        const keys = Array.from({ length: options.sequential }, (_, i) => `/bench/seq/${round}/${i}`);
        const seq = await seconds(async () => {
          for (const key of keys) await c.put(key);
        });
        record(c.name, 'sequential puts/s', options.sequential / seq);
        const many = Array.from({ length: options.concurrent }, (_, i) => `/bench/par/${round}/${i}`);
        const par = await seconds(() => pool(many, options.concurrency, (key) => c.put(key)));
        record(c.name, `${options.concurrency}-concurrent puts/s`, options.concurrent / par);
      }
    }
    const rows = summarise(figures, 'raw-etcd', 'ops/s');
    printTable(`store-put: 1 KiB durable puts (${options.rounds} rounds, medians; ratio = contender / raw etcd)`, rows);
    process.stdout.write(`results: ${await writeResults('store-put', { ...options }, rows)}\n`);
  } finally {
    for (const b of backends) await b.close();
    raw.close();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
