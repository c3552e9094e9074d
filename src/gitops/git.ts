/**
 * The git CLI, run with argv arrays (never a shell): fetch one revision of a remote into a cache repository
 * and check out exactly that commit. Credentials reach git only through the environment (see
 * `credentials.ts`); URLs are redacted before they appear in an error.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { gitUrlProblem } from '../../schemas/gitrepository.js';
import { InvalidError, UnavailableError } from '../errors/index.js';

/** How long one git command may run before it is killed. */
export const GIT_TIMEOUT_MS = 120_000;
/** Most output kept from one git command. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/**
 * Settings for every git command: no hooks, no credential helpers from the host's config, no transports that
 * run commands, no prompts. They go first on the command line so that they override any config file.
 */
const SAFE_CONFIG = [
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'credential.helper=',
  '-c', 'protocol.ext.allow=never',
  '-c', 'protocol.fd.allow=never',
  '-c', 'advice.detachedHead=false',
  '-c', 'core.symlinks=true',
  '-c', 'init.defaultBranch=main',
  // A cache repository gains one shallow commit per fetch: no background gc/maintenance processes on each.
  '-c', 'gc.auto=0',
  '-c', 'maintenance.auto=false',
  '-c', 'fetch.writeCommitGraph=false',
] as const;

/** What to check out: one of branch, tag or commit; none means the remote's HEAD. */
export interface GitRef {
  readonly branch?: string | undefined;
  readonly tag?: string | undefined;
  readonly commit?: string | undefined;
}

/** Options of {@link runGit}. */
export interface RunGitOptions {
  /** Working directory (`git -C`). */
  readonly cwd: string;
  /** Extra environment (credentials); merged over the process environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** `text` with the user-info part of any URL (`https://user:token@host`) replaced by `***`. */
export function redactUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}

function baseEnv(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Never inherit a way to prompt or an askpass/ssh command from the server's own environment.
  for (const k of ['GIT_ASKPASS', 'SSH_ASKPASS', 'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete env[k];
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    LC_ALL: 'C',
    ...extra,
  };
}

/**
 * Runs `git <args>` and resolves with its standard output. Rejects with `UnavailableError` carrying git's
 * first error line (URLs redacted) when git fails, times out or cannot be started.
 */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...SAFE_CONFIG, ...args],
      {
        cwd: options.cwd,
        env: baseEnv(options.env),
        timeout: options.timeoutMs ?? GIT_TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT_BYTES,
        encoding: 'utf8',
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve(stdout);
          return;
        }
        const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('hint:'));
        const detail = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? err.message;
        reject(new UnavailableError(`git ${args[0] ?? ''} failed: ${redactUrls(detail)}`, { cause: new Error(redactUrls(err.message)) }));
      },
    );
  });
}

/**
 * `url` as git should see it from the cache directory: a relative local path is resolved against this
 * process's working directory (git runs elsewhere); URLs and scp-like `host:path` are left alone.
 */
export function remoteOf(url: string): string {
  if (url.includes('://') || /^[^/]*:/.test(url) || isAbsolute(url)) return url;
  return resolve(url);
}

/** The refspec to fetch for `ref`. */
function refspecOf(ref: GitRef): string {
  if (ref.commit !== undefined) return ref.commit;
  if (ref.tag !== undefined) return `refs/tags/${ref.tag}`;
  if (ref.branch !== undefined) return `refs/heads/${ref.branch}`;
  return 'HEAD';
}

/**
 * The commit FETCH_HEAD names. A fetched branch or HEAD is a commit already, read from the file (one process
 * less per sync); a tag may be an annotated tag object, peeled by `rev-parse`.
 */
async function fetchedCommit(dir: string, ref: GitRef, run: (args: readonly string[]) => Promise<string>): Promise<string> {
  if (ref.tag === undefined) {
    const head = /^([0-9a-f]{40}|[0-9a-f]{64})\t/.exec(await readFile(join(dir, '.git', 'FETCH_HEAD'), 'utf8'))?.[1];
    if (head !== undefined) return head;
  }
  try {
    return (await run(['rev-parse', '--verify', '--quiet', 'FETCH_HEAD^{commit}'])).trim();
  } catch {
    throw new UnavailableError(`the fetched ${ref.tag !== undefined ? `tag ${ref.tag}` : 'ref'} does not name a commit`);
  }
}

/** Options of {@link fetchRevision}. */
export interface FetchOptions {
  readonly url: string;
  readonly ref: GitRef;
  /** The cache repository (created when missing); its work tree is replaced by the fetched commit. */
  readonly dir: string;
  /** Credential environment from `credentialEnv`. */
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/**
 * Fetches `ref` of `url` (shallow) into `dir` and checks out exactly that commit, removing every other file
 * in the work tree. Resolves with the commit SHA. A commit that the server will not serve by id is fetched
 * with all branches and tags instead.
 */
export async function fetchRevision(options: FetchOptions): Promise<string> {
  const problem = gitUrlProblem(options.url);
  if (problem !== undefined) throw new InvalidError(`spec.url: ${problem}`);
  const run = (args: readonly string[]) =>
    runGit(args, { cwd: options.dir, ...(options.env ? { env: options.env } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  if (!existsSync(join(options.dir, '.git'))) await run(['init', '-q']);
  const refspec = refspecOf(options.ref);
  const remote = remoteOf(options.url);
  try {
    await run(['fetch', '-q', '--no-tags', '--force', '--depth=1', '--', remote, refspec]);
  } catch (err) {
    if (options.ref.commit === undefined) throw err;
    await run(['fetch', '-q', '--force', '--', remote, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']);
  }
  const sha = options.ref.commit ?? (await fetchedCommit(options.dir, options.ref, run));
  await run(['checkout', '-q', '--force', '--detach', sha]);
  await run(['clean', '-q', '-ffdx']);
  return sha;
}
