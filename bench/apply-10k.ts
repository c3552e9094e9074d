/**
 * apply-10k: `converge apply -f DIR` of 10,000 Instances (100 files of 100) end to end — CLI start, parsing,
 * validation, ordering, server-side apply over HTTP — then the same apply again (a no-op). Baseline: `kubectl
 * apply --server-side -f DIR` of the same folder against a second, fresh `converge serve` (kubectl from PATH, or
 * the one test/setup/install-tools.sh unpacks), given 5 minutes to finish.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convergeArgv, spawnServe } from '../test/helpers/cli.js';
import { kubectls } from '../test/helpers/tools.js';
import { printTable, writeResults, type Measurement } from './lib.js';

/** Options of {@link runApply10k}. */
export interface Apply10kOptions {
  readonly objects: number;
  readonly perFile: number;
  /** How long kubectl may take before its figure is reported as unfinished. */
  readonly kubectlTimeoutMs: number;
}

/** The sizes. */
export const defaultApply10k: Apply10kOptions = { objects: 10_000, perFile: 100, kubectlTimeoutMs: 300_000 };

function run(file: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number; seconds: number; stderr: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env }, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (err, _stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, seconds: Number(process.hrtime.bigint() - started) / 1e9, stderr: stderr.slice(-500) });
    });
  });
}

function writeFolder(dir: string, options: Apply10kOptions): void {
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f * options.perFile < options.objects; f++) {
    const docs: string[] = [];
    for (let i = f * options.perFile; i < Math.min(options.objects, (f + 1) * options.perFile); i++) {
      docs.push(`apiVersion: converge.io/v1alpha1
kind: Instance
metadata:
  name: vm-${i}
  namespace: default
  labels: {app: bench}
spec:
  providerRef: {name: default}
  image: debian-12-genericcloud-amd64
  vcpus: 2
  memoryMiB: 2048
`);
    }
    writeFileSync(join(dir, `instances-${String(f).padStart(3, '0')}.yaml`), docs.join('---\n'));
  }
}

/** Runs the benchmark, prints its table and writes its JSON. */
export async function runApply10k(options: Apply10kOptions = defaultApply10k): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'bench-apply-'));
  const folder = join(root, 'manifests');
  writeFolder(folder, options);
  const rows: Measurement[] = [];
  try {
    const ours = await spawnServe(['--data-dir', join(root, 'converge'), '--listen', '127.0.0.1:0', '--api-only']);
    try {
      const env = { KUBECONFIG: ours.kubeconfig };
      const first = await run(process.execPath, convergeArgv(['apply', '-f', folder]), env, 600_000);
      if (first.code !== 0) throw new Error(`converge apply failed: ${first.stderr}`);
      const again = await run(process.execPath, convergeArgv(['apply', '-f', folder]), env, 600_000);
      if (again.code !== 0) throw new Error(`converge re-apply failed: ${again.stderr}`);
      rows.push({ contender: 'converge apply', metric: `first apply of ${options.objects}`, value: first.seconds, unit: 's', rounds: [first.seconds] });
      rows.push({ contender: 'converge apply', metric: 'no-op re-apply', value: again.seconds, unit: 's', rounds: [again.seconds] });
    } finally {
      await ours.stop();
    }
    const kubectl = kubectls().at(-1);
    if (kubectl !== undefined) {
      const theirs = await spawnServe(['--data-dir', join(root, 'kubectl'), '--listen', '127.0.0.1:0', '--api-only']);
      try {
        const env = { KUBECONFIG: theirs.kubeconfig };
        const first = await run(kubectl.path, ['apply', '--server-side', '-f', folder], env, options.kubectlTimeoutMs);
        const label = `${kubectl.name} apply --server-side`;
        const base = rows[0]?.value ?? 0;
        if (first.code === 0) {
          // Its re-apply takes as long again (measured once: 147 s); left out to keep `npm run bench` under 10 minutes.
          rows.push({ contender: label, metric: `first apply of ${options.objects}`, value: first.seconds, unit: 's', baseline: first.seconds, ratio: base / first.seconds, rounds: [first.seconds] });
        } else {
          rows.push({ contender: label, metric: `did not finish in ${options.kubectlTimeoutMs / 1000} s (exit ${first.code})`, value: first.seconds, unit: 's', rounds: [] });
        }
      } finally {
        await theirs.stop();
      }
    }
    printTable(`apply-10k: ${options.objects} Instances in ${Math.ceil(options.objects / options.perFile)} files (ratio = converge time / kubectl time)`, rows);
    process.stdout.write(`results: ${await writeResults('apply-10k', { ...options }, rows)}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
