/**
 * The compared state of a bucket, in one normal form for both sides: the spec's desired values and what S3
 * reports, so that a diff means a real difference. The paths are those of the simulated driver
 * (`spec.versioning`, `spec.tags`, `spec.lifecycle`), so drift overrides work the same on both.
 */
import { isDeepStrictEqual } from 'node:util';
import type { LifecycleRule, Tag } from '@aws-sdk/client-s3';
import type { JsonObject } from '../../../schemas/object.js';
import type { DiffEntry } from '../types.js';

/** The compared spec paths. */
export const BucketPath = { Versioning: 'spec.versioning', Tags: 'spec.tags', Lifecycle: 'spec.lifecycle' } as const;
export type BucketPath = (typeof BucketPath)[keyof typeof BucketPath];

/**
 * One expiration rule in normal form. `enabled: false` and `unmanaged` only ever come from S3 (a disabled
 * rule, or one with filters or actions Converge does not manage), so such a rule always differs from the spec.
 */
export interface RuleState {
  readonly id: string;
  readonly prefix?: string;
  readonly expirationDays?: number;
  readonly enabled?: false;
  readonly unmanaged?: true;
}

/** A bucket's compared fields; absent tags or lifecycle mean none. */
export interface BucketState {
  readonly versioning: boolean;
  readonly tags?: Readonly<Record<string, string>>;
  readonly lifecycle?: readonly RuleState[];
}

function sortedTags(entries: Iterable<readonly [string, string]>): Record<string, string> | undefined {
  const list = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return list.length === 0 ? undefined : Object.fromEntries(list);
}

function sortedRules(rules: RuleState[]): RuleState[] | undefined {
  return rules.length === 0 ? undefined : rules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function rule(id: string, prefix: string | undefined, days: number | undefined): RuleState {
  return { id, ...(prefix !== undefined && prefix !== '' ? { prefix } : {}), ...(days !== undefined ? { expirationDays: days } : {}) };
}

/** The desired state of a (defaulted, validated) Bucket spec. */
export function desiredBucketState(spec: JsonObject): BucketState {
  const tags = spec['tags'];
  const tagEntries =
    tags !== null && typeof tags === 'object' && !Array.isArray(tags)
      ? Object.entries(tags).filter((e): e is [string, string] => typeof e[1] === 'string')
      : [];
  const rules: RuleState[] = [];
  const lifecycle = spec['lifecycle'];
  for (const r of Array.isArray(lifecycle) ? lifecycle : []) {
    if (r === null || typeof r !== 'object' || Array.isArray(r) || typeof r['id'] !== 'string') continue;
    const prefix = typeof r['prefix'] === 'string' ? r['prefix'] : undefined;
    const days = typeof r['expirationDays'] === 'number' ? r['expirationDays'] : undefined;
    rules.push(rule(r['id'], prefix, days));
  }
  const tagSet = sortedTags(tagEntries);
  const ruleSet = sortedRules(rules);
  return { versioning: spec['versioning'] === true, ...(tagSet ? { tags: tagSet } : {}), ...(ruleSet ? { lifecycle: ruleSet } : {}) };
}

/** Observed tags from S3's TagSet (none → undefined). */
export function tagsFromS3(tagSet: readonly Tag[] | undefined): Record<string, string> | undefined {
  return sortedTags((tagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? ''] as const));
}

/** Observed expiration rules from S3's lifecycle rules (none → undefined). */
export function rulesFromS3(rules: readonly LifecycleRule[] | undefined): RuleState[] | undefined {
  return sortedRules(
    (rules ?? []).map((r) => {
      const filter = r.Filter;
      const prefix = filter?.Prefix ?? r.Prefix;
      const otherFilter = filter !== undefined && (filter.Tag !== undefined || filter.And !== undefined || filter.ObjectSizeGreaterThan !== undefined || filter.ObjectSizeLessThan !== undefined);
      const otherAction =
        r.Transitions !== undefined && r.Transitions.length > 0
          ? true
          : r.NoncurrentVersionExpiration !== undefined || r.NoncurrentVersionTransitions !== undefined || r.AbortIncompleteMultipartUpload !== undefined ||
            r.Expiration?.Date !== undefined || r.Expiration?.ExpiredObjectDeleteMarker === true;
      return {
        ...rule(r.ID ?? '', prefix, r.Expiration?.Days),
        ...(r.Status !== 'Enabled' ? { enabled: false as const } : {}),
        ...(otherFilter || otherAction ? { unmanaged: true as const } : {}),
      };
    }),
  );
}

/** S3 lifecycle rules for the desired `rules`. */
export function rulesToS3(rules: readonly RuleState[]): LifecycleRule[] {
  return rules.map((r) => ({
    ID: r.id,
    Status: 'Enabled',
    Filter: { Prefix: r.prefix ?? '' },
    ...(r.expirationDays !== undefined ? { Expiration: { Days: r.expirationDays } } : {}),
  }));
}

/** S3 TagSet for `tags`. */
export function tagsToS3(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function entry(path: BucketPath, desired: unknown, observed: unknown): DiffEntry[] {
  if (isDeepStrictEqual(desired ?? null, observed ?? null)) return [];
  return [{ path, ...(desired !== undefined ? { desired } : {}), ...(observed !== undefined ? { observed } : {}) }];
}

/** The fields of `observed` that differ from `desired`, in path order. */
export function diffBucket(desired: BucketState, observed: BucketState): DiffEntry[] {
  return [
    ...entry(BucketPath.Versioning, desired.versioning, observed.versioning),
    ...entry(BucketPath.Tags, desired.tags, observed.tags),
    ...entry(BucketPath.Lifecycle, desired.lifecycle, observed.lifecycle),
  ];
}
