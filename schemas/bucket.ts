/** Bucket: an object-storage bucket (S3-compatible). */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import {
  checkManagedSpec,
  conditionColumns,
  GROUP,
  managedCategories,
  managedSpecShape,
  managedStatusShape,
  managedWideColumns,
  VERSION,
} from './common.js';
import { addCause, FieldReason } from './issues.js';

/** S3 allows at most this many tags per bucket. */
export const MAX_BUCKET_TAGS = 50;

const lifecycleRule = z
  .strictObject({
    id: z.string().min(1).max(255).describe('Unique identifier of the rule (at most 255 characters).'),
    prefix: z.string().max(1024).optional().describe('Only objects whose key starts with this prefix; all objects when absent.'),
    expirationDays: z
      .number()
      .int()
      .min(1)
      .max(36500)
      .describe('Delete objects this many days after creation (integer greater than 0).'),
  })
  .describe('An object-expiration rule.');

/** Schema of `Bucket.spec`. */
export const bucketSpec = z
  .strictObject({
    ...managedSpecShape,
    versioning: z.boolean().default(false).describe('Keep every version of every object. Default false.'),
    tags: z
      .record(
        z.string().min(1).max(128).describe('Tag key (1 to 128 characters).'),
        z.string().max(256).describe('Tag value (at most 256 characters).'),
      )
      .optional()
      .describe('Tags set on the bucket (at most 50; keys up to 128 characters, values up to 256).'),
    lifecycle: z.array(lifecycleRule).max(100).optional().describe('Object-expiration rules.'),
    forceDelete: z
      .boolean()
      .optional()
      .describe(
        'Delete the bucket even when it still holds objects, deleting every object version and delete marker first. Default false: deleting a non-empty bucket is refused.',
      ),
  })
  .superRefine((spec, ctx) => {
    checkManagedSpec(spec, ctx);
    const tagCount = Object.keys(spec.tags ?? {}).length;
    if (tagCount > MAX_BUCKET_TAGS) {
      addCause(ctx, {
        path: ['tags'],
        reason: FieldReason.TooMany,
        message: `Too many: ${tagCount}: must have at most ${MAX_BUCKET_TAGS} tags`,
      });
    }
    const ids = new Map<string, number>();
    (spec.lifecycle ?? []).forEach((rule, i) => {
      const first = ids.get(rule.id);
      if (first !== undefined) {
        addCause(ctx, {
          path: ['lifecycle', i, 'id'],
          reason: FieldReason.Duplicate,
          message: `Duplicate value: "${rule.id}" is already used by spec.lifecycle[${first}]`,
        });
      } else {
        ids.set(rule.id, i);
      }
    });
  })
  .describe('Desired state of an object-storage bucket.');

/** Schema of `Bucket.status`. */
export const bucketStatus = z
  .strictObject({
    ...managedStatusShape,
    endpoint: z.string().max(4096).optional().describe('URL clients use to reach the bucket.'),
    region: z.string().max(255).optional().describe('Region the bucket lives in.'),
  })
  .describe('Observed state of an object-storage bucket.');

/** `Bucket.spec` after defaulting. */
export type BucketSpec = z.output<typeof bucketSpec>;
/** `Bucket.spec` as a user may write it. */
export type BucketSpecInput = z.input<typeof bucketSpec>;
/** `Bucket.status`. */
export type BucketStatus = z.output<typeof bucketStatus>;

/** The Bucket kind. */
export const bucketType: ResourceType<typeof bucketSpec, typeof bucketStatus> = {
  group: GROUP,
  version: VERSION,
  kind: 'Bucket',
  plural: 'buckets',
  singular: 'bucket',
  shortNames: ['bkt'],
  categories: managedCategories,
  namespaced: true,
  description: 'Bucket is an object-storage bucket on an S3-compatible provider, with versioning, tags and expiration rules.',
  spec: bucketSpec,
  status: bucketStatus,
  printerColumns: [
    ...conditionColumns,
    { name: 'VERSIONING', type: 'boolean', jsonPath: '.spec.versioning', description: 'Versioning enabled.', priority: 0 },
    { name: 'ENDPOINT', type: 'string', jsonPath: '.status.endpoint', description: 'Bucket URL.', priority: 0 },
    ...managedWideColumns,
    { name: 'REGION', type: 'string', jsonPath: '.status.region', description: 'Region.', priority: 1 },
    { name: 'DELETION', type: 'string', jsonPath: '.spec.deletionPolicy', description: 'Deletion policy.', priority: 1 },
  ],
  immutableFields: ['spec.providerRef'],
};
