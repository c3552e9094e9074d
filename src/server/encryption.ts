/**
 * Encryption at rest as `converge serve` runs it: Secrets (every key under `/registry/core/secrets/`) are
 * AES-256-GCM encrypted with the first key of the key file, then at every start the values not encrypted with
 * that key (plaintext from before, or an older key after a rotation) are rewritten with it.
 *
 * Why at start and why it is safe with several replicas on etcd: a replica only ever writes with its own first
 * key, and every rewrite is a compare-and-swap (see src/store/encryption/reencrypt.ts), so the only way to make
 * a replica unable to read is to give another replica a write key it does not hold. The rotation procedure
 * ("converge secrets --help") therefore stages a new key as decrypt-only on every replica first, promotes it
 * second, and removes the old key last; the restart of each step re-encrypts. A replica that meets a value
 * under a key it lacks logs an error naming that key and keeps serving everything else.
 */
import { join } from 'node:path';
import type { Logger } from '../observability/logger.js';
import { collectionPrefix } from '../registry/keys.js';
import { secretType } from '../../schemas/secret.js';
import { aesGcmTransformer, EncryptingBackend, loadKeyFile, loadOrCreateKeyFile, reencrypt, type KeyFile } from '../store/encryption/index.js';
import type { Backend } from '../store/types.js';

/** Default key file name inside the data directory. */
export const DEFAULT_KEY_FILE = 'encryption-keys.json';

/** The store key prefixes whose values are encrypted. */
export function encryptedPrefixes(): readonly string[] {
  return [collectionPrefix(secretType)];
}

/** Options of {@link encryptAtRest}. */
export interface EncryptAtRestOptions {
  /** The opened store. */
  readonly backend: Backend;
  readonly dataDir: string;
  /** Explicit key file (must exist); undefined = `<dataDir>/encryption-keys.json`, created on first start. */
  readonly keyFile?: string;
  /** Shared store (etcd): a freshly generated key is then worth a warning, the other replicas need it too. */
  readonly shared: boolean;
  readonly logger: Logger;
}

/**
 * Loads the keys, wraps `backend`, and re-encrypts stale Secrets. Throws (and the server does not start) when
 * the key file is missing or invalid; re-encryption failures are logged, not thrown.
 */
export async function encryptAtRest(options: EncryptAtRestOptions): Promise<EncryptingBackend> {
  const { logger } = options;
  let file: KeyFile;
  if (options.keyFile !== undefined) {
    file = await loadKeyFile(options.keyFile);
  } else {
    const loaded = await loadOrCreateKeyFile(join(options.dataDir, DEFAULT_KEY_FILE));
    file = loaded;
    if (loaded.created) {
      const log = options.shared ? logger.warn.bind(logger) : logger.info.bind(logger);
      log(
        { keyFile: file.path, key: file.keys[0]?.name },
        options.shared
          ? 'created an encryption key file; every replica on this store needs a copy of it (--encryption-key-file)'
          : 'created an encryption key file for Secrets at rest',
      );
    }
  }
  if (file.looseMode) logger.warn({ keyFile: file.path }, 'encryption key file is readable by group or others; chmod 600 it');
  const transformer = aesGcmTransformer(file.keys);
  const prefixes = encryptedPrefixes();
  const encrypted = new EncryptingBackend({ inner: options.backend, transformer, prefixes });
  for (const prefix of prefixes) {
    const result = await reencrypt({ backend: options.backend, transformer, prefix });
    for (const failure of result.failures) logger.error({ key: failure.key }, failure.message);
    const summary = { prefix, writeKey: file.keys[0]?.name, rewritten: result.rewritten, current: result.current, failed: result.failures.length };
    if (result.rewritten > 0 || result.failures.length > 0) logger.info(summary, 're-encrypted stored values with the write key');
    else logger.debug(summary, 'every stored value already uses the write key');
  }
  return encrypted;
}
