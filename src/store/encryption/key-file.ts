/**
 * The encryption key file: JSON `{"keys":[{"name":"…","secret":"<base64 of 32 bytes>"}]}`, mode 0600. The
 * first key encrypts, every key decrypts (kube's EncryptionConfiguration provider order). Key material is never
 * logged or put in an error message: errors name the file and the key, nothing else.
 */
import { randomBytes } from 'node:crypto';
import { chmod, link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { ConvergeError, ErrorCode, InvalidError } from '../../errors/index.js';
import { KEY_NAME_RE, type EncryptionKey } from './aesgcm.js';

/** A loaded key file. */
export interface KeyFile {
  readonly path: string;
  /** In file order: the first one encrypts. Never empty. */
  readonly keys: readonly EncryptionKey[];
  /** True when group or others may read the file (the caller warns). */
  readonly looseMode: boolean;
}

/** Where a new key goes: first (`primary`, encrypts from the next start) or last (`decrypt-only`, staged). */
export const KeyPlacement = { Primary: 'primary', DecryptOnly: 'decrypt-only' } as const;
export type KeyPlacement = (typeof KeyPlacement)[keyof typeof KeyPlacement];

function invalid(path: string, what: string): InvalidError {
  return new InvalidError(`encryption key file ${path}: ${what}`);
}

/** A fresh random key named after the current UTC time (sortable, unique enough for one file). */
export function newKey(now: Date = new Date()): EncryptionKey {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return { name: `key-${stamp}-${randomBytes(3).toString('hex')}`, secret: randomBytes(32) };
}

/** Parses key-file text; throws InvalidError naming the file and the offending entry (never its secret). */
export function parseKeyFile(path: string, text: string): readonly EncryptionKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid(path, 'not valid JSON (expected {"keys":[{"name":…,"secret":…}]})');
  }
  const list = typeof doc === 'object' && doc !== null && 'keys' in doc ? doc.keys : undefined;
  if (!Array.isArray(list) || list.length === 0) throw invalid(path, 'expected a non-empty "keys" list');
  const keys: EncryptionKey[] = [];
  const seen = new Set<string>();
  list.forEach((entry: unknown, i) => {
    const name = typeof entry === 'object' && entry !== null && 'name' in entry ? entry.name : undefined;
    const secret = typeof entry === 'object' && entry !== null && 'secret' in entry ? entry.secret : undefined;
    if (typeof name !== 'string' || !KEY_NAME_RE.test(name)) throw invalid(path, `keys[${i}]: "name" must match ${KEY_NAME_RE.source}`);
    if (seen.has(name)) throw invalid(path, `key "${name}" appears twice`);
    seen.add(name);
    const bytes = typeof secret === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(secret) ? Buffer.from(secret, 'base64') : undefined;
    if (bytes?.length !== 32) throw invalid(path, `key "${name}": "secret" must be the base64 of exactly 32 random bytes`);
    keys.push({ name, secret: bytes });
  });
  return keys;
}

function serialise(keys: readonly EncryptionKey[]): string {
  return `${JSON.stringify({ keys: keys.map((k) => ({ name: k.name, secret: k.secret.toString('base64') })) }, null, 2)}\n`;
}

/** Writes next to `path` with mode 0600 and returns the temporary name (renamed or linked into place by the caller). */
async function writeTemp(path: string, keys: readonly EncryptionKey[]): Promise<string> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, serialise(keys), { mode: 0o600, flag: 'wx' });
  await chmod(temp, 0o600); // the umask may have narrowed it further, never widened; be exact anyway
  return temp;
}

/** Reads and validates a key file; a missing file is an error naming it. */
export async function loadKeyFile(path: string): Promise<KeyFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    throw new ConvergeError(ErrorCode.Internal, `encryption key file ${path}: cannot read it (${code}); create one with "converge secrets rotate-key --encryption-key-file ${path}"`, { cause: err });
  }
  const keys = parseKeyFile(path, text);
  const { mode } = await stat(path);
  return { path, keys, looseMode: (mode & 0o077) !== 0 };
}

/**
 * Loads `path`, creating it with one random key when it does not exist. Creation is atomic and exclusive
 * (write a temporary file, then hard-link it into place): two processes starting together end up with the same
 * file, never a torn one or two different keys.
 */
export async function loadOrCreateKeyFile(path: string): Promise<KeyFile & { readonly created: boolean }> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (exists) return { ...(await loadKeyFile(path)), created: false };
  const temp = await writeTemp(path, [newKey()]);
  let created = true;
  try {
    await link(temp, path);
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw err;
    created = false;
  } finally {
    await unlink(temp);
  }
  return { ...(await loadKeyFile(path)), created };
}

/** Replaces the key file atomically (temporary file + rename), mode 0600. */
export async function saveKeyFile(path: string, keys: readonly EncryptionKey[]): Promise<void> {
  if (keys.length === 0) throw invalid(path, 'refusing to write a key file without keys');
  const temp = await writeTemp(path, keys);
  await rename(temp, path);
}

/**
 * Adds a new random key: first (it encrypts from the next start) or last (decrypt-only: the first step of a
 * rotation across several replicas). Creates the file when missing. Returns the new key's name.
 */
export async function addKey(path: string, placement: KeyPlacement): Promise<string> {
  const { keys, created } = await loadOrCreateKeyFile(path);
  // A file created just now already holds one fresh key: that is the new key.
  if (created && keys[0] !== undefined) return keys[0].name;
  const key = newKey();
  await saveKeyFile(path, placement === KeyPlacement.Primary ? [key, ...keys] : [...keys, key]);
  return key.name;
}

/** Moves a key already in the file to the front, making it the write key from the next start. */
export async function promoteKey(path: string, name: string): Promise<void> {
  const { keys } = await loadKeyFile(path);
  const key = keys.find((k) => k.name === name);
  if (key === undefined) throw invalid(path, `no key named "${name}"`);
  await saveKeyFile(path, [key, ...keys.filter((k) => k !== key)]);
}

/** Removes a decrypt-only key; the write key cannot be removed (promote another first). */
export async function removeKey(path: string, name: string): Promise<void> {
  const { keys } = await loadKeyFile(path);
  if (keys[0]?.name === name) throw invalid(path, `key "${name}" is the write key; promote another key before removing it`);
  if (!keys.some((k) => k.name === name)) throw invalid(path, `no key named "${name}"`);
  await saveKeyFile(path, keys.filter((k) => k.name !== name));
}
