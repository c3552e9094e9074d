/**
 * The Secret write strategy: the one place `stringData` is folded into `data`, so no write path can store or
 * return it, and where `type` and `immutable` are enforced against the stored Secret. Causes name fields,
 * never values: secret material must not reach error messages or logs.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, JsonValue, KubeObject } from '../../schemas/object.js';
import { secretFieldCauses, secretTypeCauses, SECRET_TYPE_OPAQUE } from '../../schemas/secret.js';
import type { FieldCause } from '../errors/index.js';
import { cause } from './causes.js';
import type { StrategyContext, StrategyResult, WriteStrategy } from './strategy.js';

const IMMUTABLE_SET = 'field is immutable when `immutable` is set';

/** A string map field (schema-validated already); undefined when absent. */
function stringMap(value: JsonValue | undefined): Record<string, string> | undefined {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** `data` with every `stringData` value base64-encoded over it (stringData wins, as in kube-apiserver). */
function mergedData(data: Record<string, string> | undefined, stringData: Record<string, string> | undefined): Record<string, string> | undefined {
  if (stringData === undefined) return data;
  const out: Record<string, string> = { ...(data ?? {}) };
  for (const [key, value] of Object.entries(stringData)) out[key] = Buffer.from(value, 'utf8').toString('base64');
  return out;
}

/** Changes an update may not make: `type` ever, and data or `immutable` once `immutable` is true. */
function updateCauses(old: KubeObject, requested: Record<string, string> | undefined, next: JsonObject): FieldCause[] {
  const stored = old as KubeObject & { data?: JsonValue; type?: JsonValue; immutable?: JsonValue };
  const causes: FieldCause[] = [];
  if (next['type'] !== (stored.type ?? SECRET_TYPE_OPAQUE)) {
    causes.push(cause.invalid('type', `Invalid value: ${JSON.stringify(next['type'])}: field is immutable`));
  }
  if (stored.immutable !== true) return causes;
  const before = stringMap(stored.data) ?? {};
  if (!isDeepStrictEqual(requested ?? {}, before)) causes.push(cause.forbidden('data', `Forbidden: ${IMMUTABLE_SET}`));
  else if (!isDeepStrictEqual(stringMap(next['data']) ?? {}, before)) causes.push(cause.forbidden('stringData', `Forbidden: ${IMMUTABLE_SET}`));
  if (next['immutable'] !== true) causes.push(cause.forbidden('immutable', `Forbidden: ${IMMUTABLE_SET}`));
  return causes;
}

/** See the module comment. */
export const secretStrategy: WriteStrategy = {
  prepare(fields: JsonObject, { metadata, old }: StrategyContext): StrategyResult {
    const data = stringMap(fields['data']);
    const stringData = stringMap(fields['stringData']);
    const causes = secretFieldCauses({ data, stringData });
    if (causes.length > 0) return { fields, causes };
    const { stringData: _writeOnly, ...rest } = fields;
    const next: JsonObject = { ...rest };
    const merged = mergedData(data, stringData);
    if (merged !== undefined) next['data'] = merged;
    // kube-apiserver defaults an empty type too, not only a missing one.
    const type = typeof next['type'] === 'string' && next['type'] !== '' ? next['type'] : SECRET_TYPE_OPAQUE;
    next['type'] = type;
    return {
      fields: next,
      causes: [...secretTypeCauses(type, merged ?? {}, metadata.annotations), ...(old === undefined ? [] : updateCauses(old, data, next))],
    };
  },
};
