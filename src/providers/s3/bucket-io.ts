/**
 * The S3 calls that read and write one bucket's compared state. Every call goes through {@link s3Call}, which
 * passes the reconcile's abort signal and maps failures to Converge errors. Writes are idempotent: each puts
 * the whole desired value of one field (or removes it), so repeating one after a crash is harmless.
 */
import {
  CreateBucketCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketTaggingCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isS3Error, s3Failure } from './errors.js';
import { BucketPath, rulesFromS3, rulesToS3, tagsFromS3, tagsToS3, type BucketState } from './bucket-state.js';
import { DEFAULT_S3_REGION, type S3Settings } from './settings.js';

/** One bucket on one connection, within one reconcile. */
export interface BucketTarget {
  readonly client: S3Client;
  readonly settings: S3Settings;
  readonly bucket: string;
  readonly signal: AbortSignal;
}

/** Runs one SDK call for `target`, mapping its failure (see errors.ts). */
export async function s3Call<T>(target: BucketTarget, action: string, fn: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
  try {
    return await fn({ abortSignal: target.signal });
  } catch (err) {
    throw s3Failure(err, { settings: target.settings, action, bucket: target.bucket });
  }
}

/** Like {@link s3Call}, but resolves `fallback` when S3 answers with one of `absent` (a "none" answer). */
async function s3CallOr<T>(target: BucketTarget, action: string, absent: readonly string[], fallback: T, fn: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
  try {
    return await fn({ abortSignal: target.signal });
  } catch (err) {
    if (isS3Error(err, absent)) return fallback;
    throw s3Failure(err, { settings: target.settings, action, bucket: target.bucket });
  }
}

/** The bucket's region when it exists and is ours; undefined when there is no such bucket. */
export async function headBucket(target: BucketTarget): Promise<{ region: string } | undefined> {
  const { client, bucket } = target;
  try {
    const out = await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: target.signal });
    return { region: out.BucketRegion ?? target.settings.region };
  } catch (err) {
    if (isS3Error(err, ['NotFound', 'NoSuchBucket'], 404)) return undefined;
    throw s3Failure(err, { settings: target.settings, action: 'HeadBucket', bucket });
  }
}

/** Versioning, tags and lifecycle as S3 reports them. */
export async function readBucketState(target: BucketTarget): Promise<BucketState> {
  const { client, bucket } = target;
  const [versioning, tagSet, rules] = await Promise.all([
    s3Call(target, 'GetBucketVersioning', (o) => client.send(new GetBucketVersioningCommand({ Bucket: bucket }), o)),
    s3CallOr(target, 'GetBucketTagging', ['NoSuchTagSet', 'NoSuchTagSetError'], undefined, async (o) => (await client.send(new GetBucketTaggingCommand({ Bucket: bucket }), o)).TagSet),
    s3CallOr(target, 'GetBucketLifecycleConfiguration', ['NoSuchLifecycleConfiguration'], undefined, async (o) =>
      (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }), o)).Rules,
    ),
  ]);
  const tags = tagsFromS3(tagSet);
  const lifecycle = rulesFromS3(rules);
  return { versioning: versioning.Status === 'Enabled', ...(tags ? { tags } : {}), ...(lifecycle ? { lifecycle } : {}) };
}

/** Creates the bucket; true when it was created, false when it already was ours (adopted). */
export async function createBucket(target: BucketTarget): Promise<boolean> {
  const { client, bucket, settings } = target;
  // us-east-1 is the one region S3 refuses as an explicit LocationConstraint. The SDK types the constraint as
  // AWS's region list; S3-compatible servers have regions of their own, hence the cast.
  const location =
    settings.region === DEFAULT_S3_REGION ? {} : { CreateBucketConfiguration: { LocationConstraint: settings.region as BucketLocationConstraint } };
  return s3CallOr(target, 'CreateBucket', ['BucketAlreadyOwnedByYou'], false, async (o) => {
    await client.send(new CreateBucketCommand({ Bucket: bucket, ...location }), o);
    return true;
  });
}

/** Puts one field of `desired` on the bucket (or removes it when the spec has none). */
export async function applyField(target: BucketTarget, path: string, desired: BucketState): Promise<void> {
  const { client, bucket } = target;
  switch (path) {
    case BucketPath.Versioning: {
      // A bucket that ever had versioning can only be suspended, never return to "unversioned".
      const Status = desired.versioning ? 'Enabled' : 'Suspended';
      await s3Call(target, 'PutBucketVersioning', (o) => client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status } }), o));
      return;
    }
    case BucketPath.Tags: {
      const tags = desired.tags;
      if (tags === undefined) await s3Call(target, 'DeleteBucketTagging', (o) => client.send(new DeleteBucketTaggingCommand({ Bucket: bucket }), o));
      else await s3Call(target, 'PutBucketTagging', (o) => client.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tagsToS3(tags) } }), o));
      return;
    }
    case BucketPath.Lifecycle: {
      const rules = desired.lifecycle;
      if (rules === undefined) await s3Call(target, 'DeleteBucketLifecycle', (o) => client.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }), o));
      else {
        await s3Call(target, 'PutBucketLifecycleConfiguration', (o) =>
          client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rulesToS3(rules) } }), o),
        );
      }
      return;
    }
    default:
      // Paths this driver does not compare (e.g. the reconciler's existence marker) have nothing to put.
      return;
  }
}
