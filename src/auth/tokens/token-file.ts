/**
 * The token file (`<data-dir>/tokens.json`, mode 0600): one entry per bearer token with its user, groups and
 * optional expiry, and only the SHA-256 of its secret. `converge token create/list/revoke` edit it directly and
 * the running server notices the change (see {@link TokenAuthenticator}); every write is atomic.
 */
import { readFile } from 'node:fs/promises';
import { InvalidError } from '../../errors/index.js';
import { writeFileAtomic } from '../tls/files.js';
import { mintToken } from './token.js';

/** One token as the file stores it (never the secret). */
export interface TokenEntry {
  readonly id: string;
  readonly secretHash: string;
  readonly user: string;
  readonly groups: readonly string[];
  /** ISO time; absent = never expires. */
  readonly expiresAt?: string;
  readonly createdAt: string;
  /** Free text, e.g. `admin kubeconfig`. */
  readonly description?: string;
}

interface TokenFileDocument {
  readonly apiVersion: 'converge.io/v1';
  readonly kind: 'TokenFile';
  readonly tokens: readonly TokenEntry[];
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function entryOf(raw: unknown, path: string, index: number): TokenEntry {
  const bad = (why: string) => new InvalidError(`token file ${path}: tokens[${index}]: ${why}`);
  if (typeof raw !== 'object' || raw === null) throw bad('not an object');
  const r = raw as Record<string, unknown>;
  for (const key of ['id', 'secretHash', 'user', 'createdAt'] as const) {
    if (typeof r[key] !== 'string' || r[key] === '') throw bad(`${key} must be a non-empty string`);
  }
  if (!isStringArray(r['groups'])) throw bad('groups must be a list of strings');
  if (r['expiresAt'] !== undefined && (typeof r['expiresAt'] !== 'string' || Number.isNaN(Date.parse(r['expiresAt'])))) throw bad('expiresAt must be an ISO time');
  return {
    id: r['id'] as string,
    secretHash: r['secretHash'] as string,
    user: r['user'] as string,
    groups: r['groups'],
    createdAt: r['createdAt'] as string,
    ...(typeof r['expiresAt'] === 'string' ? { expiresAt: r['expiresAt'] } : {}),
    ...(typeof r['description'] === 'string' ? { description: r['description'] } : {}),
  };
}

/** Parses the file's text; throws `InvalidError` naming the file and entry when it is malformed. */
export function parseTokenFile(text: string, path: string): TokenEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InvalidError(`token file ${path}: not JSON: ${(err as Error).message}`);
  }
  const tokens = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['tokens'] : undefined;
  if (!Array.isArray(tokens)) throw new InvalidError(`token file ${path}: expected {"tokens": [...]}`);
  return tokens.map((raw: unknown, i) => entryOf(raw, path, i));
}

/** Reads the token file; a missing file is an empty one. */
export async function readTokenFile(path: string): Promise<TokenEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseTokenFile(text, path);
}

/** Replaces the token file's entries (atomic write, mode 0600). */
export async function writeTokenFile(path: string, tokens: readonly TokenEntry[]): Promise<void> {
  const doc: TokenFileDocument = { apiVersion: 'converge.io/v1', kind: 'TokenFile', tokens };
  await writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`, 0o600);
}

/** Options of {@link createToken}. */
export interface CreateTokenOptions {
  readonly user: string;
  readonly groups?: readonly string[];
  /** Lifetime in milliseconds; absent = never expires. */
  readonly ttlMs?: number;
  readonly description?: string;
  /** Injectable clock. */
  readonly now?: Date;
}

/** Adds a new token to the file and returns it in clear text (the only time it exists outside the client). */
export async function createToken(path: string, options: CreateTokenOptions): Promise<{ token: string; entry: TokenEntry }> {
  if (options.user.trim() === '') throw new InvalidError('token: --user must not be empty');
  const now = options.now ?? new Date();
  const minted = mintToken();
  const entry: TokenEntry = {
    id: minted.id,
    secretHash: minted.secretHash,
    user: options.user,
    groups: [...new Set(options.groups ?? [])],
    createdAt: now.toISOString(),
    ...(options.ttlMs !== undefined ? { expiresAt: new Date(now.getTime() + options.ttlMs).toISOString() } : {}),
    ...(options.description !== undefined ? { description: options.description } : {}),
  };
  const tokens = await readTokenFile(path);
  await writeTokenFile(path, [...tokens, entry]);
  return { token: minted.token, entry };
}

/** Removes the token with `id`; resolves false when there is none. */
export async function revokeToken(path: string, id: string): Promise<boolean> {
  const tokens = await readTokenFile(path);
  const kept = tokens.filter((e) => e.id !== id);
  if (kept.length === tokens.length) return false;
  await writeTokenFile(path, kept);
  return true;
}
