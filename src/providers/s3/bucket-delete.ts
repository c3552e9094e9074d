/**
 * Deleting a bucket. S3 refuses to delete a bucket that holds anything (objects, older versions or delete
 * markers); Converge refuses too unless `spec.forceDelete` is true, with a message saying what to do, because
 * emptying a bucket destroys data nobody asked Converge to manage. With forceDelete every version and delete
 * marker is deleted first. Repeating any step is harmless: a missing bucket or object counts as deleted.
 */
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand, ListObjectsV2Command, type ObjectIdentifier } from '@aws-sdk/client-s3';
import { UnavailableError } from '../../errors/index.js';
import { isS3Error, s3Failure } from './errors.js';
import { headBucket, s3Call, type BucketTarget } from './bucket-io.js';

/** What listing found, and whether there is more than that. */
interface Contents {
  readonly current: number;
  readonly older: number;
  readonly truncated: boolean;
}

/** One page of keys (with version ids when the server lists versions) to delete, and whether more follow. */
interface Page {
  readonly objects: ObjectIdentifier[];
  readonly current: number;
  readonly more: boolean;
}

/**
 * One page of the bucket's contents: all versions and delete markers where the server lists versions, plain
 * keys where it does not (NotImplemented, as on some S3-compatible servers).
 */
async function listPage(target: BucketTarget, maxKeys: number): Promise<Page> {
  const { client, bucket } = target;
  try {
    const out = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: maxKeys }), { abortSignal: target.signal });
    const versions = out.Versions ?? [];
    const markers = out.DeleteMarkers ?? [];
    const objects = [...versions, ...markers].map((v) => ({ Key: v.Key ?? '', ...(v.VersionId !== undefined ? { VersionId: v.VersionId } : {}) }));
    return { objects, current: versions.filter((v) => v.IsLatest !== false).length, more: out.IsTruncated === true };
  } catch (err) {
    if (!isS3Error(err, ['NotImplemented'], 501)) throw s3Failure(err, { settings: target.settings, action: 'ListObjectVersions', bucket });
  }
  const out = await s3Call(target, 'ListObjectsV2', (o) => client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: maxKeys }), o));
  const objects = (out.Contents ?? []).map((c) => ({ Key: c.Key ?? '' }));
  return { objects, current: objects.length, more: out.IsTruncated === true };
}

async function contents(target: BucketTarget): Promise<Contents> {
  const page = await listPage(target, 1000);
  return { current: page.current, older: page.objects.length - page.current, truncated: page.more };
}

function describe(c: Contents): string {
  const plus = c.truncated ? 'more than ' : '';
  const objects = `${plus}${c.current} object${c.current === 1 ? '' : 's'}`;
  return c.older === 0 ? objects : `${objects} and ${c.older} older version${c.older === 1 ? '' : 's'} or delete marker${c.older === 1 ? '' : 's'}`;
}

/** The error telling the user why a non-empty bucket stays and how to proceed. Retryable: emptied, it goes. */
export function notEmptyError(bucket: string, what: string): UnavailableError {
  return new UnavailableError(`bucket "${bucket}" is not empty (${what}): empty it, or set spec.forceDelete: true to delete its objects too`);
}

/** Deletes every object version and delete marker of the bucket, a page (at most 1000) at a time. */
async function purge(target: BucketTarget): Promise<void> {
  const { client, bucket } = target;
  for (;;) {
    const page = await listPage(target, 1000);
    if (page.objects.length === 0) return;
    const out = await s3Call(target, 'DeleteObjects', (o) =>
      client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: page.objects, Quiet: true } }), o),
    );
    const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey' && e.Code !== 'NoSuchVersion');
    const first = failed[0];
    if (first !== undefined) {
      throw new UnavailableError(
        `emptying bucket "${bucket}" (spec.forceDelete) failed for ${failed.length} object(s), first "${first.Key ?? ''}": ${first.Code ?? 'error'} ${first.Message ?? ''}`.trim(),
      );
    }
  }
}

/**
 * Deletes the bucket; a missing bucket succeeds. Without `force`, a bucket holding anything is refused with
 * {@link notEmptyError}; with `force` its contents are deleted first.
 */
export async function deleteBucket(target: BucketTarget, options: { force: boolean }): Promise<void> {
  if ((await headBucket(target)) === undefined) return;
  if (options.force) await purge(target);
  else {
    const found = await contents(target);
    if (found.current + found.older > 0) throw notEmptyError(target.bucket, describe(found));
  }
  try {
    await target.client.send(new DeleteBucketCommand({ Bucket: target.bucket }), { abortSignal: target.signal });
  } catch (err) {
    if (isS3Error(err, ['NoSuchBucket'])) return;
    // Something was written between the listing and the delete.
    if (isS3Error(err, ['BucketNotEmpty'])) throw notEmptyError(target.bucket, 'objects were written while it was being deleted');
    throw s3Failure(err, { settings: target.settings, action: 'DeleteBucket', bucket: target.bucket });
  }
}
