/** `converge serve --kube` child processes for the kube-mode tests. */
import type { ChildProcess } from 'node:child_process';
import { spawnConverge } from '../helpers/cli.js';

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
  const started = await spawnConverge('converge serve --kube', ['serve', '--kube', '--log-level', 'warn', '--metrics-listen', '127.0.0.1:0', ...args], (out) => {
    const identity = /^Replica: (\S+)$/m.exec(out)?.[1];
    const healthUrl = /^Probes and metrics: (\S+)/m.exec(out)?.[1];
    return identity && healthUrl ? { identity, healthUrl } : undefined;
  });
  return { child: started.child, ...started.ready, output: started.output, stop: started.stop, kill9: started.kill9 };
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
