/** `converge serve --kube` child processes for the kube-mode tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { convergeArgv, repoRoot } from '../helpers/cli.js';

/** A running `converge serve --kube` replica. */
export interface KubeReplica {
  readonly child: ChildProcess;
  /** Its identity in the Lease. */
  readonly identity: string;
  /** Base URL of /livez, /readyz, /metrics. */
  readonly healthUrl: string;
  output(): string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill9(): Promise<void>;
}

/** Starts a replica and waits (≤ 20 s) until it prints its identity and probe address. */
export async function spawnKube(args: readonly string[]): Promise<KubeReplica> {
  const child = spawn(process.execPath, convergeArgv(['serve', '--kube', '--log-level', 'warn', '--metrics-listen', '127.0.0.1:0', ...args]), {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  for (;;) {
    const identity = /^Replica: (\S+)$/m.exec(out)?.[1];
    const healthUrl = /^Probes and metrics: (\S+)/m.exec(out)?.[1];
    if (identity && healthUrl) {
      return {
        child,
        identity,
        healthUrl,
        output: () => out,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
        kill9: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`converge serve --kube exited with ${child.exitCode}: ${out}`);
    if (Date.now() - started > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`converge serve --kube did not start within 20 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls `probe` every 100 ms until it yields a value; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Value of an unlabelled-or-labelled gauge/counter sample in Prometheus text (summed over matching lines). */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) sum += Number(m[2]);
  }
  return sum;
}
