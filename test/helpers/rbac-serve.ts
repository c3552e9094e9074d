/**
 * A secured `converge serve --api-only` in a temp dir for RBAC tests: the admin kubeconfig (system:masters),
 * `token(user, group)` minting tokens with `converge token create`, and `bind(yaml)` applying RBAC objects
 * as the admin with kubectl 1.20. Everything is removed at teardown.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServe, type ServeProcess } from './cli.js';
import { runConverge } from './converge-cli.js';
import { runKubectl } from './kubectl.js';
import { kubectls } from './tools.js';

/** See the module comment. */
export interface RbacServe {
  readonly dir: string;
  readonly dataDir: string;
  readonly serve: ServeProcess;
  token(user: string, group: string): Promise<string>;
  bind(yaml: string): Promise<void>;
}

/** Starts the server; `prefix` names the temp dir. */
export async function startRbacServe(t: { teardown(fn: () => unknown): void }, prefix: string): Promise<RbacServe> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  const serve = await spawnServe(['--api-only', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  t.teardown(() => serve.stop());
  return {
    dir,
    dataDir,
    serve,
    async token(user, group) {
      const made = await runConverge(['token', 'create', '--data-dir', dataDir, '--user', user, '--group', group]);
      if (made.code !== 0) throw new Error(`token create failed: ${made.stderr}`);
      return made.stdout.trim();
    },
    async bind(yaml) {
      const file = join(dir, `bind-${Date.now()}.yaml`);
      await writeFile(file, yaml);
      const [kubectl120] = kubectls();
      const bound = await runKubectl(kubectl120?.path ?? 'kubectl', ['apply', '-f', file], { KUBECONFIG: serve.kubeconfig });
      if (bound.code !== 0) throw new Error(`the admin could not bind: ${bound.stderr}`);
    },
  };
}
