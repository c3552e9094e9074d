/**
 * S3 clients per connection settings. Connect runs on every reconcile, so clients are cached (each holds a
 * keep-alive socket pool; a new one per reconcile would pile up sockets). The cache key holds a SHA-256 of the
 * credentials rather than the values; rotated keys make a new client and the old one is destroyed when evicted.
 */
import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { isAwsEndpoint, type S3Settings } from './settings.js';

/** Clients kept at once; the least recently used one is destroyed beyond this. */
export const MAX_CACHED_CLIENTS = 32;

/** Connect and per-request timeouts, so that a dead endpoint fails a reconcile instead of hanging it. */
export const S3_TIMEOUTS = { connectionTimeoutMs: 5_000, requestTimeoutMs: 60_000 } as const;

/** A new SDK client for `settings`. Prefer {@link S3ClientCache}. */
export function newS3Client(settings: S3Settings): S3Client {
  const aws = isAwsEndpoint(settings.endpoint);
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    credentials: {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      ...(settings.sessionToken !== undefined ? { sessionToken: settings.sessionToken } : {}),
    },
    // Two attempts: the reconciler already retries with backoff, and an unreachable endpoint should say so fast.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: S3_TIMEOUTS.connectionTimeoutMs, requestTimeout: S3_TIMEOUTS.requestTimeoutMs },
    // Many S3-compatible servers reject the CRC checksums newer SDKs add to every upload; send them only
    // where S3 requires one (DeleteObjects, lifecycle, tagging), as older SDKs did.
    ...(aws ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const }),
  });
}

function cacheKey(settings: S3Settings): string {
  const secret = createHash('sha256')
    .update(`${settings.accessKeyId}\0${settings.secretAccessKey}\0${settings.sessionToken ?? ''}`)
    .digest('hex');
  return JSON.stringify([settings.endpoint ?? '', settings.region, settings.forcePathStyle, secret]);
}

/** A small LRU of clients by settings. */
export class S3ClientCache {
  readonly #clients = new Map<string, S3Client>();
  readonly #max: number;

  constructor(options: { max?: number } = {}) {
    this.#max = options.max ?? MAX_CACHED_CLIENTS;
  }

  /** The client for `settings`, created on first use. */
  clientFor(settings: S3Settings): S3Client {
    const key = cacheKey(settings);
    const cached = this.#clients.get(key);
    if (cached !== undefined) {
      this.#clients.delete(key);
      this.#clients.set(key, cached);
      return cached;
    }
    const client = newS3Client(settings);
    this.#clients.set(key, client);
    for (const [oldKey, old] of this.#clients) {
      if (this.#clients.size <= this.#max) break;
      this.#clients.delete(oldKey);
      old.destroy();
    }
    return client;
  }

  /** Destroys every cached client (closes their sockets). */
  close(): void {
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
  }
}
