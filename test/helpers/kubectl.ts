import { execFile, spawn } from 'node:child_process';
import { repoRoot } from './cli.js';

/** Result of one kubectl run. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl (argv array, never a shell) against a server, with an isolated empty KUBECONFIG. */
export function runKubectl(kubectl: string, args: readonly string[], env: Record<string, string> = {}): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      kubectl,
      [...args],
      { cwd: repoRoot, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    // No input: a kubectl that would prompt (for a user name, with no credentials) fails at once instead of hanging.
    child.stdin?.end();
  });
}

/** A long-running kubectl (e.g. `get -w`) whose output can be awaited. */
export function startKubectl(kubectl: string, args: readonly string[], env: Record<string, string>) {
  const child = spawn(kubectl, [...args], { cwd: repoRoot, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return {
    output: () => out,
    async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
      const start = Date.now();
      while (!pattern.test(out)) {
        if (Date.now() - start > timeoutMs) throw new Error(`kubectl output did not match ${pattern} within ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => child.kill('SIGTERM'),
  };
}
