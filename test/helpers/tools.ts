import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where `test/setup/install-tools.sh` caches the tools it unpacks or builds. */
export const toolsDir = process.env['CONVERGE_TOOLS_DIR'] ?? join(homedir(), '.cache', 'converge-tools');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a required tool or throws an Error naming how to install it. Tests never skip when a component is
 * missing: they fail with this message.
 */
export function requireTool(name: string, candidates: readonly string[], installHint: string): string {
  for (const c of candidates) if (executable(c)) return c;
  throw new Error(`${name} not found (looked in ${candidates.join(', ')}): ${installHint}`);
}

/** The kubectl versions the tests drive: Debian's 1.20 and the kubectl on PATH. */
export function kubectls(): { name: string; path: string }[] {
  const hint = 'run test/setup/install-tools.sh';
  const onPath = (process.env['PATH'] ?? '').split(':').map((d) => join(d, 'kubectl'));
  return [
    { name: 'kubectl-1.20', path: requireTool('kubectl 1.20', [join(toolsDir, 'kubectl-1.20/usr/bin/kubectl')], hint) },
    { name: 'kubectl', path: requireTool('kubectl', onPath, hint) },
  ];
}
