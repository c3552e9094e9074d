/**
 * AES-256-GCM value transformer, after kube-apiserver's `aesgcm` EncryptionConfiguration provider. A stored
 * value is `k8s:enc:aesgcm:v1:<keyName>:` followed by base64(12-byte random nonce ‖ ciphertext ‖ 16-byte tag),
 * with the storage key as additional authenticated data so that a ciphertext copied to another key fails to
 * decrypt. The store contract holds strings, hence base64 where kube stores raw bytes.
 *
 * Values without the `k8s:enc:` prefix were written before encryption was on: they are read as they are
 * (kube's `identity` provider) and reported stale so that re-encryption rewrites them. Writes never fall back
 * to plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConvergeError, ErrorCode } from '../../errors/index.js';

/** One named AES-256 key. */
export interface EncryptionKey {
  /** Recorded in every value it encrypts; `[A-Za-z0-9._-]`, never a colon. */
  readonly name: string;
  /** Exactly 32 bytes. */
  readonly secret: Buffer;
}

/** What {@link ValueTransformer.fromStorage} returns. */
export interface TransformedValue {
  readonly value: string;
  /** True when the stored value is not encrypted with the current write key (plaintext or an older key). */
  readonly stale: boolean;
}

/** Turns values into their stored form and back; `key` is the storage key (authenticated, not encrypted). */
export interface ValueTransformer {
  /** The stored form of `value` under `key`. */
  toStorage(key: string, value: string): string;
  /** The value a stored form holds; throws an Internal ConvergeError naming the key when it cannot. */
  fromStorage(key: string, stored: string): TransformedValue;
  /** True when `stored` is already encrypted with the write key (no decryption needed to tell). */
  isCurrent(stored: string): boolean;
}

/** Prefix of every value encrypted by any provider (kube's envelope convention). */
export const ENCRYPTED_PREFIX = 'k8s:enc:';
/** Prefix of the values this provider writes; the key name and a colon follow. */
export const AESGCM_PREFIX = 'k8s:enc:aesgcm:v1:';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Key names end up inside stored values and error messages: a conservative alphabet without `:`. */
export const KEY_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function internal(message: string): ConvergeError {
  return new ConvergeError(ErrorCode.Internal, message);
}

/**
 * The transformer for a key list: the first key encrypts, every key decrypts. Throws when the list is empty,
 * a key is not 32 bytes, or names repeat: a misconfiguration must stop the server, not weaken it.
 */
export function aesGcmTransformer(keys: readonly EncryptionKey[]): ValueTransformer {
  const primary = keys[0];
  if (primary === undefined) throw internal('encryption: the key list is empty; at least one key is needed to write Secrets');
  const byName = new Map<string, EncryptionKey>();
  for (const key of keys) {
    if (!KEY_NAME_RE.test(key.name)) throw internal(`encryption: invalid key name ${JSON.stringify(key.name)}`);
    if (key.secret.length !== 32) throw internal(`encryption: key "${key.name}" is ${key.secret.length} bytes, AES-256 needs 32`);
    if (byName.has(key.name)) throw internal(`encryption: key name "${key.name}" appears twice`);
    byName.set(key.name, key);
  }
  const primaryPrefix = `${AESGCM_PREFIX}${primary.name}:`;
  return {
    toStorage(storageKey, value) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', primary.secret, nonce);
      cipher.setAAD(Buffer.from(storageKey, 'utf8'));
      const body = Buffer.concat([nonce, cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${primaryPrefix}${body.toString('base64')}`;
    },
    fromStorage(storageKey, stored) {
      if (!stored.startsWith(ENCRYPTED_PREFIX)) return { value: stored, stale: true };
      if (!stored.startsWith(AESGCM_PREFIX)) {
        throw internal(`cannot decrypt ${storageKey}: it was written by an unknown encryption provider`);
      }
      const rest = stored.slice(AESGCM_PREFIX.length);
      const colon = rest.indexOf(':');
      const name = colon < 0 ? '' : rest.slice(0, colon);
      const key = byName.get(name);
      if (key === undefined) {
        throw internal(`cannot decrypt ${storageKey}: it is encrypted with key "${name}", which is not in the encryption key file`);
      }
      const body = Buffer.from(rest.slice(colon + 1), 'base64');
      try {
        if (body.length < NONCE_BYTES + TAG_BYTES) throw new RangeError('too short');
        const decipher = createDecipheriv('aes-256-gcm', key.secret, body.subarray(0, NONCE_BYTES));
        decipher.setAAD(Buffer.from(storageKey, 'utf8'));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES)), decipher.final()]);
        return { value: plain.toString('utf8'), stale: key !== primary };
      } catch (err) {
        // Never the value or the key: only which key failed and what that means.
        throw new ConvergeError(ErrorCode.Internal, `cannot decrypt ${storageKey} with key "${name}": the stored value was altered, moved from another key, or the key is wrong`, {
          cause: err,
        });
      }
    },
    isCurrent(stored) {
      return stored.startsWith(primaryPrefix);
    },
  };
}
