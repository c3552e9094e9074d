/**
 * What every benchmark shares: timing, rounds that interleave the contenders (so machine drift hits all of
 * them alike), the table printed to stdout and the JSON written to `bench/results/<name>.json`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** One measured figure of one contender. */
export interface Measurement {
  readonly contender: string;
  readonly metric: string;
  /** Median over the rounds. */
  readonly value: number;
  readonly unit: string;
  /** The baseline contender's median of the same metric, when there is one. */
  readonly baseline?: number;
  /** value / baseline (for throughputs: >1 is faster than the baseline). */
  readonly ratio?: number;
  /** Every round's value, for the record. */
  readonly rounds: readonly number[];
}

/** The median of `values` (0 for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Seconds `fn` took. */
export async function seconds(fn: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Prints `rows` as an aligned table. */
export function printTable(title: string, rows: readonly Measurement[]): void {
  const header = ['CONTENDER', 'METRIC', 'MEDIAN', 'UNIT', 'BASELINE', 'RATIO'];
  const body = rows.map((r) => [
    r.contender,
    r.metric,
    r.value.toFixed(1),
    r.unit,
    r.baseline === undefined ? '-' : r.baseline.toFixed(1),
    r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
  ]);
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  process.stdout.write(`\n${title}\n${all.map((r) => r.map((c, i) => c.padEnd(widths[i]! + 2)).join('').trimEnd()).join('\n')}\n`);
}

/** Writes `bench/results/<name>.json` with the machine and command; resolves with its path. */
export async function writeResults(name: string, params: Record<string, unknown>, rows: readonly Measurement[]): Promise<string> {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const path = `${dir}${name}.json`;
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  await writeFile(path, `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), command: `npm run bench -- ${name}`, machine, params, results: rows }, null, 2)}\n`);
  return path;
}

/** Medians of per-round figures, each with its ratio to the `baseline` contender's figure of the same metric. */
export function summarise(rounds: ReadonlyMap<string, number[]>, baseline: string | undefined, unit: string): Measurement[] {
  const out: Measurement[] = [];
  for (const [key, values] of rounds) {
    const [contender = key, metric = ''] = key.split('|');
    const value = median(values);
    const base = baseline === undefined || contender === baseline ? undefined : rounds.get(`${baseline}|${metric}`);
    const baseValue = base === undefined ? undefined : median(base);
    out.push({ contender, metric, value, unit, rounds: values, ...(baseValue !== undefined ? { baseline: baseValue, ratio: value / baseValue } : {}) });
  }
  return out;
}
