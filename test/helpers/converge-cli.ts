import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convergeArgv, repoRoot, spawnServe, type ServeProcess } from './cli.js';

/** Result of one `converge` CLI run. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the `converge` CLI from source with argv (never a shell), optionally feeding stdin. */
export function runConverge(args: readonly string[], options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      convergeArgv(args),
      { cwd: options.cwd ?? repoRoot, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...options.env }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

/** A `converge serve` child with its own data dir, a copy of `examples/`, and a CLI runner pointed at it. */
export interface CliFixture {
  readonly serve: ServeProcess;
  readonly env: Record<string, string>;
  /** Writable copy of the repository's `examples/`. */
  readonly examples: string;
  cli(...args: string[]): Promise<CliResult>;
}

/** Starts the fixture and registers its cleanup on `t`. */
export async function startCliFixture(t: { teardown(fn: () => unknown): void }): Promise<CliFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), 'converge-cli-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const serve = await spawnServe(['--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  t.teardown(() => serve.stop());
  const env = { KUBECONFIG: serve.kubeconfig };
  const examples = join(dataDir, 'examples');
  await cp(join(repoRoot, 'examples'), examples, { recursive: true });
  return { serve, env, examples, cli: (...args) => runConverge(args, { env }) };
}
