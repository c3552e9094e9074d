import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** argv that runs the `converge` CLI from source (so tests exercise the checkout, not a stale build). */
export function convergeArgv(args: readonly string[]): string[] {
  return ['--import', 'tsx', `${repoRoot}src/cli/main.ts`, ...args];
}

/** A `converge serve` child process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** API base URL once it is listening. */
  readonly url: string;
  readonly kubeconfig: string;
  /** Everything printed so far on stdout and stderr. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill9(): Promise<void>;
}

/** Starts `converge serve` as a child process and waits (≤ 20 s) until it prints its address. */
export async function spawnServe(args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, convergeArgv(['serve', '--log-level', 'warn', ...args]), {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  for (;;) {
    const url = /listening on (\S+)/.exec(out)?.[1];
    const kubeconfig = /Kubeconfig: (\S+)/.exec(out)?.[1];
    if (url && kubeconfig) {
      return {
        child,
        url,
        kubeconfig,
        output: () => out,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
        kill9: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`converge serve exited with ${child.exitCode}: ${out}`);
    if (Date.now() - started > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`converge serve did not start within 20 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
