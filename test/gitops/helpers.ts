/**
 * Real git repositories for GitOps tests: `git init` in a temporary directory, files written and removed,
 * commits made with a per-repository identity (CI runs as root with no global git config), and the
 * `file://` URL to fetch them from.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Environment for the test's own git commands: no system or global config. */
const home = mkdtempSync(join(tmpdir(), 'converge-gitops-home-'));
const gitEnv: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: home, XDG_CONFIG_HOME: home, GIT_TERMINAL_PROMPT: '0' };

/** A repository under test. */
export interface TestRepo {
  readonly dir: string;
  /** `file://` URL of the repository. */
  readonly url: string;
  write(path: string, text: string): void;
  remove(path: string): void;
  symlink(path: string, target: string): void;
  /** Commits everything (also an empty tree) and returns the new commit's SHA. */
  commit(message: string): string;
  git(...args: string[]): string;
  /** Removes the repository. */
  cleanup(): void;
}

/** Creates an empty repository on branch `main`. */
export function createRepo(): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), 'converge-gitops-repo-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: gitEnv, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Converge Test');
  git('config', 'user.email', 'test@converge.invalid');
  git('config', 'commit.gpgsign', 'false');
  return {
    dir,
    url: pathToFileURL(dir).href,
    write(path, text) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    },
    remove(path) {
      rmSync(join(dir, path), { recursive: true, force: true });
    },
    symlink(path, target) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      symlinkSync(target, join(dir, path));
    },
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    git,
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Pool manifest (Pools need no provider, so tests only see GitOps at work). */
export function poolYaml(name: string, cidr = '10.10.0.0/16', extra = ''): string {
  return `apiVersion: converge.io/v1alpha1
kind: Pool
metadata:
  name: ${name}
spec:
  cidrs:
    - ${cidr}
${extra}`;
}
