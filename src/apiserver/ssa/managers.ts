/**
 * `metadata.managedFields` decoded into one field set per manager, and encoded back the way
 * kube-apiserver writes it: one entry per manager identity (name + operation + subresource, plus
 * apiVersion for updaters), sorted Apply before Update, then by time, manager, apiVersion, subresource.
 */
import type { ManagedFieldsEntry } from '../../../schemas/object.js';
import { BadRequestError } from '../../errors/index.js';
import { compareStrings } from './json.js';
import { FieldSet } from './fieldset.js';

/** The kind of write that recorded an entry. */
export const Operation = { Apply: 'Apply', Update: 'Update' } as const;
export type Operation = (typeof Operation)[keyof typeof Operation];

/** One manager's ownership, decoded. */
export interface ManagerEntry {
  readonly manager: string;
  readonly operation: Operation;
  /** The apiVersion the set is expressed in. */
  readonly apiVersion: string;
  /** `status` for writes through the status subresource. */
  readonly subresource?: string | undefined;
  /** RFC 3339 (seconds) time of the last write that changed the object; absent only if a client omitted it. */
  readonly time?: string | undefined;
  readonly set: FieldSet;
}

/** Managers by identity (see {@link managerIdentity}), in no particular order. */
export type Managers = ReadonlyMap<string, ManagerEntry>;

/** The name kube gives the bucket that absorbs the oldest update managers beyond the cap. */
export const ANCIENT_CHANGES = 'ancient-changes';
/** How many Update entries an object keeps before the oldest are merged (kube's DefaultMaxUpdateManagers). */
export const MAX_UPDATE_MANAGERS = 10;

/**
 * The identity of a manager, as kube's `BuildManagerIdentifier`: the JSON of the entry without time
 * and fields, and without apiVersion for appliers (an applier stays one manager across versions).
 */
export function managerIdentity(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify({
    ...(e.manager !== '' ? { manager: e.manager } : {}),
    operation: e.operation,
    ...(e.operation === Operation.Update && e.apiVersion !== '' ? { apiVersion: e.apiVersion } : {}),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  });
}

/** How kube names a manager in conflict messages: `"kubectl" using converge.io/v1alpha1`. */
export function describeManager(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  return e.operation === Operation.Update ? `${s} using ${e.apiVersion}` : s;
}

/** `now` as metav1.Time serialises it: UTC, whole seconds (`2024-05-01T12:00:00Z`). */
export function formatTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Decodes `managedFields`. Throws {@link BadRequestError} for an entry kube would reject: an operation
 * other than Apply/Update, an empty apiVersion, a fieldsType other than FieldsV1, malformed FieldsV1.
 * A later entry with the same identity replaces an earlier one, as in kube.
 */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): Map<string, ManagerEntry> {
  const out = new Map<string, ManagerEntry>();
  (entries ?? []).forEach((e, i) => {
    if (e.operation !== Operation.Apply && e.operation !== Operation.Update) {
      throw new BadRequestError(`managed fields entry ${i}: operation must be \`Apply\` or \`Update\``);
    }
    if (typeof e.apiVersion !== 'string' || e.apiVersion === '') {
      throw new BadRequestError(`managed fields entry ${i}: apiVersion must not be empty`);
    }
    if (e.fieldsType !== 'FieldsV1') {
      throw new BadRequestError(`${e.fieldsType ? `invalid fieldsType ${JSON.stringify(e.fieldsType)}` : 'missing fieldsType'} in managed fields entry ${i}`);
    }
    const entry: ManagerEntry = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      subresource: typeof e.subresource === 'string' && e.subresource !== '' ? e.subresource : undefined,
      time: typeof e.time === 'string' ? e.time : undefined,
      set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}),
    };
    out.set(managerIdentity(entry), entry);
  });
  return out;
}

const seconds = (time: string | undefined): number => {
  const ms = time === undefined ? NaN : Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
};

/** kube's `sortEncodedManagedFields` order. */
function compareEntries(p: ManagerEntry, q: ManagerEntry): number {
  return (
    compareStrings(p.operation, q.operation) ||
    seconds(p.time) - seconds(q.time) ||
    compareStrings(p.manager, q.manager) ||
    compareStrings(p.apiVersion, q.apiVersion) ||
    compareStrings(p.subresource ?? '', q.subresource ?? '')
  );
}

/** Encodes managers as `managedFields` (sorted; entries with an empty set are dropped). */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  return [...managers.values()]
    .filter((e) => !e.set.isEmpty())
    .sort(compareEntries)
    .map((e) => {
      // `time` is optional in kube (`omitempty`); ObjectMeta's type insists on it, so a client-written
      // entry without one is passed through as it came.
      const entry = {
        manager: e.manager,
        operation: e.operation,
        apiVersion: e.apiVersion,
        ...(e.time !== undefined ? { time: e.time } : {}),
        fieldsType: 'FieldsV1' as const,
        fieldsV1: e.set.toFieldsV1(),
        ...(e.subresource !== undefined ? { subresource: e.subresource } : {}),
      };
      return entry as ManagedFieldsEntry;
    });
}

/**
 * kube's `capManagersManager`: when more than `max` Update entries exist, the oldest are merged into
 * one `ancient-changes` entry per apiVersion until `max` remain.
 */
export function capUpdateManagers(managers: Managers, max: number = MAX_UPDATE_MANAGERS): Map<string, ManagerEntry> {
  const out = new Map(managers);
  const updaters = [...out.entries()]
    .filter(([, e]) => e.operation === Operation.Update)
    .sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || compareStrings(ia, ib));
  let length = updaters.length;
  const firstOfVersion = new Map<string, string>();
  for (const [id, entry] of updaters) {
    if (length <= max) break;
    const bucket = managerIdentity({ manager: ANCIENT_CHANGES, operation: Operation.Update, apiVersion: entry.apiVersion });
    const first = firstOfVersion.get(entry.apiVersion);
    // The bucket itself is never merged into itself (kube would delete it here).
    if (first === undefined || id === bucket) {
      if (first === undefined) firstOfVersion.set(entry.apiVersion, id);
      continue;
    }
    let target = out.get(bucket);
    if (target === undefined) {
      const moved = out.get(first)!;
      out.delete(first);
      target = { ...moved, manager: ANCIENT_CHANGES, subresource: undefined };
    }
    out.set(bucket, { ...target, set: entry.set.union(target.set), time: entry.time });
    out.delete(id);
    length--;
  }
  return out;
}
