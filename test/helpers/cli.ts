import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeconfigCredentials, registerServer, type ServerCredentials } from './secure-fetch.js';

/** Absolute path of the repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** True when `dist/` (from `npm run build`) is newer than every source file, so the fast compiled CLI is current. */
function distIsFresh(): boolean {
  const main = join(repoRoot, 'dist/src/cli/main.js');
  if (!existsSync(main)) return false;
  const built = statSync(main).mtimeMs;
  return ['src', 'schemas', 'controllers'].every((d) => !existsSync(join(repoRoot, d)) || newestMtime(join(repoRoot, d)) <= built);
}

const useDist = distIsFresh();

/**
 * argv that runs the `converge` CLI: the compiled build when it is current (starts in ~0.3 s), else the sources
 * through tsx (~2 s per start), so tests never exercise a stale build.
 */
export function convergeArgv(args: readonly string[]): string[] {
  return useDist ? [join(repoRoot, 'bin/converge.js'), ...args] : ['--import', 'tsx', `${repoRoot}src/cli/main.ts`, ...args];
}

/** A `converge serve` child process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** API base URL once it is listening. */
  readonly url: string;
  readonly kubeconfig: string;
  /** The CA and admin token of its kubeconfig (registered for `serverFetch`, `request` and `openWatch`). */
  readonly credentials: ServerCredentials;
  /** Everything printed so far on stdout and stderr. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill9(): Promise<void>;
}

/** A `converge` child process started by {@link spawnConverge}, with what its output said once it was ready. */
export interface ConvergeChild<T> {
  readonly child: ChildProcess;
  readonly ready: T;
  /** Everything printed so far on stdout and stderr. */
  output(): string;
  /** SIGTERM (if still running) and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (if still running) and wait for exit. */
  kill9(): Promise<void>;
}

/**
 * Starts `converge ARGS…` and waits (≤ 20 s) until `ready` finds what it needs in the output; throws with the
 * output when the process exits first or takes longer. `name` names it in those errors.
 */
export async function spawnConverge<T>(
  name: string,
  args: readonly string[],
  ready: (output: string) => T | undefined,
  options: { readonly nodeArgs?: readonly string[] } = {},
): Promise<ConvergeChild<T>> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...convergeArgv(args)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  const started = Date.now();
  for (;;) {
    const found = ready(out);
    if (found !== undefined) {
      return {
        child,
        ready: found,
        output: () => out,
        stop: async () => {
          if (running()) child.kill('SIGTERM');
          return exited;
        },
        kill9: async () => {
          if (running()) child.kill('SIGKILL');
          await exited;
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${out}`);
    if (Date.now() - started > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start within 20 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `converge serve` as a child process and waits (≤ 20 s) until it prints its address. */
export async function spawnServe(args: readonly string[], options: { readonly nodeArgs?: readonly string[] } = {}): Promise<ServeProcess> {
  const started = await spawnConverge(
    'converge serve',
    ['serve', '--log-level', 'warn', ...args],
    (out) => {
      const url = /listening on (\S+)/.exec(out)?.[1];
      const kubeconfig = /Kubeconfig: (\S+)/.exec(out)?.[1];
      return url && kubeconfig ? { url, kubeconfig } : undefined;
    },
    options,
  );
  const { url, kubeconfig } = started.ready;
  const { server: _server, ...credentials } = kubeconfigCredentials(kubeconfig);
  registerServer(url, credentials);
  return { child: started.child, url, kubeconfig, credentials, output: started.output, stop: started.stop, kill9: started.kill9 };
}
