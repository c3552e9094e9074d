/**
 * The s3 driver for Buckets, against any S3-compatible endpoint (AWS S3, MinIO, Ceph RGW, …). Observe reports
 * existence and the differences in versioning, tags and lifecycle; create makes the bucket (adopting one it
 * already owns, since names are deterministic) and applies every compared field; update applies the diffed
 * fields; delete refuses a non-empty bucket unless `spec.forceDelete`.
 */
import type { KubeObject } from '../../../schemas/object.js';
import { externalNameOf, type DiffEntry, type ExternalClient, type ExternalConnector, type Observation, type ProviderCredentials } from '../types.js';
import { S3ClientCache } from './client.js';
import { deleteBucket } from './bucket-delete.js';
import { applyField, createBucket, headBucket, readBucketState, type BucketTarget } from './bucket-io.js';
import { BucketPath, desiredBucketState, diffBucket } from './bucket-state.js';
import { bucketUrl, s3Settings, type S3Settings } from './settings.js';

/** External-name prefix of buckets, the simulated driver's: `cb-<uid digits>` (valid S3 bucket names). */
export const S3_BUCKET_PREFIX = 'cb';

/** What observe reports as a Bucket's status: `endpoint` (the bucket's URL) and `region`. */
export interface S3BucketObserved extends Record<string, unknown> {
  readonly endpoint: string;
  readonly region: string;
}

/** The Bucket {@link ExternalClient} over one connection. */
export function s3BucketClient(settings: S3Settings, client: BucketTarget['client']): ExternalClient {
  const target = (obj: KubeObject, signal: AbortSignal): BucketTarget => ({ client, settings, bucket: externalNameOf(obj, S3_BUCKET_PREFIX), signal });
  return {
    async observe(obj, signal): Promise<Observation<Record<string, unknown>>> {
      const t = target(obj, signal);
      const head = await headBucket(t);
      if (head === undefined) return { exists: false, upToDate: false, diff: [] };
      const diff = diffBucket(desiredBucketState(obj.spec ?? {}), await readBucketState(t));
      const observed: S3BucketObserved = { endpoint: bucketUrl(settings, t.bucket), region: head.region };
      return { exists: true, upToDate: diff.length === 0, observed, diff };
    },
    async create(obj, signal) {
      const t = target(obj, signal);
      await createBucket(t);
      // A new bucket has no versioning, tags or lifecycle: applying what differs makes the bucket match at
      // once, so the first observe after the create does not mistake the spec's fields for drift.
      const diff = diffBucket(desiredBucketState(obj.spec ?? {}), await readBucketState(t));
      await applyDiff(t, obj, diff);
      return { externalName: t.bucket };
    },
    async update(obj, diff, signal) {
      await applyDiff(target(obj, signal), obj, diff);
    },
    async delete(obj, signal) {
      await deleteBucket(target(obj, signal), { force: obj.spec?.['forceDelete'] === true });
    },
  };
}

async function applyDiff(t: BucketTarget, obj: KubeObject, diff: readonly DiffEntry[]): Promise<void> {
  const desired = desiredBucketState(obj.spec ?? {});
  const paths = new Set(diff.map((d) => d.path));
  // Sequential, in a fixed order: a failure leaves the earlier fields done and the rest for the retry.
  for (const path of Object.values(BucketPath)) if (paths.has(path)) await applyField(t, path, desired);
}

/**
 * Connects Buckets to s3 ProviderConfigs: parses the settings (see settings.ts) and reuses a cached SDK client.
 * Connecting makes no request; a wrong endpoint or key shows up in the first observe.
 */
export function s3BucketConnector(options: { cache?: S3ClientCache } = {}): ExternalConnector {
  const cache = options.cache ?? new S3ClientCache();
  return {
    async connect(providerConfig: KubeObject, _signal: AbortSignal, credentials?: ProviderCredentials) {
      const settings = s3Settings(providerConfig, credentials);
      return s3BucketClient(settings, cache.clientFor(settings));
    },
  };
}
