/**
 * Re-encryption: rewrites every value under a prefix that is not encrypted with the current write key
 * (plaintext from before encryption was on, or an older key) so that the older key can then be removed.
 *
 * Safe while API servers write concurrently (several replicas on etcd): each rewrite is a compare-and-swap on
 * the value's modRevision, so a concurrent write through the API is never overwritten; on a lost race the key
 * is re-read, and a value that a replica has meanwhile written with the current key is left alone. The value
 * itself (the serialised object) is unchanged; only its modRevision (= resourceVersion) moves, as after
 * kube's `kubectl replace` re-encryption.
 */
import { ConflictError, isConflict, isNotFound } from '../../errors/index.js';
import type { Backend, KeyValue } from '../types.js';
import type { ValueTransformer } from './aesgcm.js';

/** Options of {@link reencrypt}. */
export interface ReencryptOptions {
  /** The raw store (NOT an EncryptingBackend: this works on stored forms). */
  readonly backend: Backend;
  readonly transformer: ValueTransformer;
  /** E.g. `/registry/core/secrets/`. */
  readonly prefix: string;
  /** Keys per range request (default 500). */
  readonly pageSize?: number;
}

/** One value that could not be re-encrypted, with the reason (which names the key; never a value). */
export interface ReencryptFailure {
  readonly key: string;
  readonly message: string;
}

/** Outcome of {@link reencrypt}. */
export interface ReencryptResult {
  /** Values rewritten with the write key. */
  readonly rewritten: number;
  /** Values already encrypted with the write key. */
  readonly current: number;
  readonly failures: readonly ReencryptFailure[];
}

const MAX_ATTEMPTS = 5;

/** Rewrites one stale value; true when written, false when someone else made it current or deleted it. */
async function rewrite(options: ReencryptOptions, first: KeyValue): Promise<boolean> {
  let kv: KeyValue | undefined = first;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (kv === undefined || options.transformer.isCurrent(kv.value)) return false;
    const { value } = options.transformer.fromStorage(kv.key, kv.value);
    try {
      await options.backend.update(kv.key, options.transformer.toStorage(kv.key, value), kv.modRevision);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (!isConflict(err)) throw err;
      kv = await options.backend.get(kv.key);
    }
  }
  throw new ConflictError(`${first.key} kept changing during ${MAX_ATTEMPTS} attempts; run re-encryption again`);
}

/** See the module comment. Failures are collected, not thrown: one unreadable value must not block the rest. */
export async function reencrypt(options: ReencryptOptions): Promise<ReencryptResult> {
  let rewritten = 0;
  let current = 0;
  const failures: ReencryptFailure[] = [];
  let startAfter: string | undefined;
  for (;;) {
    const page = await options.backend.range({ prefix: options.prefix, limit: options.pageSize ?? 500, ...(startAfter !== undefined ? { startAfter } : {}) });
    for (const kv of page.kvs) {
      if (options.transformer.isCurrent(kv.value)) {
        current++;
        continue;
      }
      try {
        if (await rewrite(options, kv)) rewritten++;
        else current++;
      } catch (err) {
        failures.push({ key: kv.key, message: err instanceof Error ? err.message : String(err) });
      }
    }
    const last = page.kvs[page.kvs.length - 1];
    if (!page.more || last === undefined) break;
    startAfter = last.key;
  }
  return { rewritten, current, failures };
}
