/**
 * Drift bookkeeping: which policy governs a drifted path (per-field overrides win, the longest matching
 * override first), and the `status.drift[]` entries with `firstSeen` kept across reconciles.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, JsonValue, KubeObject } from '../../schemas/object.js';
import { DriftPolicy, ManagementPolicy } from '../../schemas/common.js';
import type { DiffEntry } from '../providers/types.js';

/** Drift path used when the external resource vanished out of band. */
export const EXISTS_PATH = 'exists';

/** One `status.drift[]` entry. */
export interface DriftRecord {
  readonly path: string;
  readonly desired?: JsonValue;
  readonly observed?: JsonValue;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

function isPolicy(value: unknown): value is DriftPolicy {
  return value === DriftPolicy.Correct || value === DriftPolicy.Report || value === DriftPolicy.Ignore;
}

function covers(override: string, path: string): boolean {
  return path === override || path.startsWith(`${override}.`) || path.startsWith(`${override}[`);
}

/** The policy for `path`: the longest covering `spec.driftOverrides` entry, else `spec.driftPolicy`. ObserveOnly never corrects. */
export function driftPolicyFor(obj: KubeObject, path: string): DriftPolicy {
  const spec = obj.spec ?? {};
  const fallback = isPolicy(spec['driftPolicy']) ? spec['driftPolicy'] : DriftPolicy.Correct;
  let best: { length: number; policy: DriftPolicy } | undefined;
  const overrides = Array.isArray(spec['driftOverrides']) ? spec['driftOverrides'] : [];
  for (const o of overrides) {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) continue;
    const p = o['path'];
    const policy = o['policy'];
    if (typeof p !== 'string' || !isPolicy(policy) || !covers(p, path)) continue;
    if (best === undefined || p.length > best.length) best = { length: p.length, policy };
  }
  const policy = best?.policy ?? fallback;
  return policy === DriftPolicy.Correct && spec['managementPolicy'] === ManagementPolicy.ObserveOnly ? DriftPolicy.Report : policy;
}

/** The drift entries stored in `status`. */
export function storedDrift(status: JsonObject): DriftRecord[] {
  const list = status['drift'];
  if (!Array.isArray(list)) return [];
  return list.flatMap((e) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return [];
    const { path, firstSeen, lastSeen } = e;
    if (typeof path !== 'string' || typeof firstSeen !== 'string' || typeof lastSeen !== 'string') return [];
    return [{ path, firstSeen, lastSeen, ...('desired' in e ? { desired: e['desired'] } : {}), ...('observed' in e ? { observed: e['observed'] } : {}) } as DriftRecord];
  });
}

function toJson(value: unknown): JsonValue | undefined {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

/** Result of {@link trackDrift}: every entry now, and those not seen (with these values) before. */
export interface TrackedDrift {
  readonly entries: DriftRecord[];
  readonly fresh: DriftRecord[];
}

/** Entries for `diff` at `now`, keeping `firstSeen` of entries already stored with the same values. */
export function trackDrift(previous: readonly DriftRecord[], diff: readonly DiffEntry[], now: string): TrackedDrift {
  const entries: DriftRecord[] = [];
  const fresh: DriftRecord[] = [];
  for (const d of diff) {
    const desired = toJson(d.desired);
    const observed = toJson(d.observed);
    const before = previous.find((p) => p.path === d.path);
    const same = before !== undefined && isDeepStrictEqual(before.desired, desired) && isDeepStrictEqual(before.observed, observed);
    const entry: DriftRecord = {
      path: d.path,
      ...(desired !== undefined ? { desired } : {}),
      ...(observed !== undefined ? { observed } : {}),
      firstSeen: same ? before.firstSeen : now,
      lastSeen: now,
    };
    entries.push(entry);
    if (!same) fresh.push(entry);
  }
  return { entries, fresh };
}

/** Entries as a status value (`undefined` when there are none, so the field disappears). */
export function driftStatus(entries: readonly DriftRecord[]): JsonValue | undefined {
  return entries.length === 0 ? undefined : (entries.map((e) => ({ ...e })) as unknown as JsonValue);
}

/** A one-line description of drift for events. */
export function describeDrift(entries: readonly DiffEntry[]): string {
  return entries.map((e) => `${e.path}: want ${JSON.stringify(e.desired ?? null)}, found ${JSON.stringify(e.observed ?? null)}`).join('; ');
}
