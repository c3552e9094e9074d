/**
 * Git credentials from a Secret, handed to git through its environment only — never on the command line
 * (visible in `ps`) and never in a log: https passwords through a GIT_ASKPASS script that echoes environment
 * variables, ssh keys through files in a private temporary directory named by GIT_SSH_COMMAND.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../schemas/object.js';
import { InvalidError } from '../errors/index.js';

/** Secret keys Converge reads, as Flux's GitRepository Secrets name them. */
export const CredentialKey = {
  Username: 'username',
  Password: 'password',
  Identity: 'identity',
  KnownHosts: 'known_hosts',
} as const;

/** Decoded credentials; every field optional. */
export interface GitCredentials {
  readonly username?: string;
  readonly password?: string;
  /** PEM/OpenSSH private key. */
  readonly identity?: string;
  /** known_hosts lines for the ssh server. */
  readonly knownHosts?: string;
}

/** Environment for git plus a cleanup that removes the temporary files. */
export interface CredentialEnv {
  readonly env: Readonly<Record<string, string>>;
  cleanup(): Promise<void>;
}

/** The decoded value of `key` in a Secret's `data` (base64), or undefined. */
export function secretValue(secret: KubeObject, key: string): string | undefined {
  const data = secret['data'];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

/** The credentials a Secret holds (see {@link CredentialKey}). Throws `InvalidError` for a Secret with none. */
export function credentialsFromSecret(secret: KubeObject): GitCredentials {
  const username = secretValue(secret, CredentialKey.Username);
  const password = secretValue(secret, CredentialKey.Password);
  const identity = secretValue(secret, CredentialKey.Identity);
  const knownHosts = secretValue(secret, CredentialKey.KnownHosts);
  if (password === undefined && identity === undefined) {
    throw new InvalidError(`Secret ${secret.metadata.name} holds neither "password" (https) nor "identity" (ssh)`);
  }
  return {
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(identity !== undefined ? { identity } : {}),
    ...(knownHosts !== undefined ? { knownHosts } : {}),
  };
}

/** Askpass script: prints the variable matching git's prompt; the secrets themselves live only in the env. */
const ASKPASS = `#!/bin/sh
case "$1" in
  [Uu]sername*) printf '%s\\n' "$CONVERGE_GIT_USERNAME" ;;
  *) printf '%s\\n' "$CONVERGE_GIT_PASSWORD" ;;
esac
`;

/** Single-quotes `text` for the POSIX shell git runs GIT_SSH_COMMAND with. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes what git needs for `creds` into a fresh private directory under `root` (default the OS temp dir) and
 * returns the environment naming it. Call `cleanup` when git is done, also on failure.
 */
export async function credentialEnv(creds: GitCredentials | undefined, root: string = tmpdir()): Promise<CredentialEnv> {
  if (creds === undefined) return { env: {}, cleanup: async () => {} };
  const dir = await mkdtemp(join(root, 'converge-git-'));
  await chmod(dir, 0o700);
  const env: Record<string, string> = {};
  try {
    if (creds.password !== undefined) {
      const askpass = join(dir, 'askpass.sh');
      await writeFile(askpass, ASKPASS, { mode: 0o700 });
      env['GIT_ASKPASS'] = askpass;
      env['CONVERGE_GIT_USERNAME'] = creds.username ?? 'git';
      env['CONVERGE_GIT_PASSWORD'] = creds.password;
    }
    if (creds.identity !== undefined) {
      const key = join(dir, 'identity');
      await writeFile(key, creds.identity.endsWith('\n') ? creds.identity : `${creds.identity}\n`, { mode: 0o600 });
      const ssh = ['ssh', '-i', shellQuote(key), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'];
      if (creds.knownHosts !== undefined) {
        const known = join(dir, 'known_hosts');
        await writeFile(known, creds.knownHosts, { mode: 0o600 });
        ssh.push('-o', `UserKnownHostsFile=${shellQuote(known)}`);
      }
      env['GIT_SSH_COMMAND'] = ssh.join(' ');
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
