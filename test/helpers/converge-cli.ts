import { execFile } from 'node:child_process';
import { convergeArgv, repoRoot } from './cli.js';

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
