/**
 * Fetching a GitRepository's revision into its cache directory: credentials from the referenced Secret,
 * one cache repository per GitRepository object (`<cacheDir>/<hash of namespace/name>-<uid>`: a GitRepository
 * deleted and created again, or one of the same name on another server sharing the directory, never reuses a
 * checkout), the exact commit checked out.
 */
import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitRepositorySpec } from '../../schemas/gitrepository.js';
import { secretType } from '../../schemas/index.js';
import type { ApiClient } from '../client/types.js';
import { credentialEnv, credentialsFromSecret, type GitCredentials } from './credentials.js';
import { fetchRevision } from './git.js';

function nameHash(namespace: string, name: string): string {
  return createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 32);
}

/** The cache repository of GitRepository `namespace/name` with `uid` under `cacheDir`. */
export function cacheDirOf(cacheDir: string, namespace: string, name: string, uid: string): string {
  return join(cacheDir, `${nameHash(namespace, name)}-${uid.replace(/[^A-Za-z0-9-]/g, '')}`);
}

/** Removes every cache repository of GitRepository `namespace/name` (it is gone). */
export async function removeCache(cacheDir: string, namespace: string, name: string): Promise<void> {
  const prefix = `${nameHash(namespace, name)}-`;
  let entries: string[];
  try {
    entries = await readdir(cacheDir);
  } catch {
    return;
  }
  for (const e of entries) if (e.startsWith(prefix)) await rm(join(cacheDir, e), { recursive: true, force: true });
}

/** Options of {@link fetchSource}. */
export interface FetchSourceOptions {
  readonly client: ApiClient;
  readonly cacheDir: string;
  readonly namespace: string;
  readonly name: string;
  /** `metadata.uid` of the GitRepository. */
  readonly uid: string;
  readonly spec: GitRepositorySpec;
  readonly signal?: AbortSignal;
}

/** A checked-out revision. */
export interface FetchedSource {
  /** The checkout (work tree root). */
  readonly dir: string;
  readonly sha: string;
}

/** Reads the credentials (when `spec.secretRef` names a Secret), fetches and checks out; see the module comment. */
export async function fetchSource(options: FetchSourceOptions): Promise<FetchedSource> {
  let creds: GitCredentials | undefined;
  if (options.spec.secretRef !== undefined) {
    creds = credentialsFromSecret(await options.client.get(secretType, options.namespace, options.spec.secretRef.name));
  }
  const dir = cacheDirOf(options.cacheDir, options.namespace, options.name, options.uid);
  const credEnv = await credentialEnv(creds);
  try {
    const sha = await fetchRevision({
      url: options.spec.url,
      ref: options.spec.ref ?? {},
      dir,
      env: credEnv.env,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { dir, sha };
  } finally {
    await credEnv.cleanup();
  }
}
