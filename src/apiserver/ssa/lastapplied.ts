/**
 * The bridge kube-apiserver builds between client-side `kubectl apply` (which records its
 * configuration in the `kubectl.kubernetes.io/last-applied-configuration` annotation) and server-side
 * apply, for the field manager `kubectl` only (what `kubectl apply --server-side` uses):
 * - fields the annotation says kubectl applied, and that still hold the applied value, do not
 *   conflict (kube's lastAppliedManager), so switching to `--server-side` needs no `--force-conflicts`;
 * - when the object carries the annotation, a server-side apply rewrites it to the new configuration
 *   (kube's lastAppliedUpdater), so that a later client-side apply still computes the right patch.
 */
import type { JsonObject, JsonValue, KubeObject } from '../../../schemas/object.js';
import { ConvergeError } from '../../errors/index.js';
import { compareObjects } from './compare.js';
import type { FieldSet } from './fieldset.js';
import { canonicalJson, isJsonObject, toJson } from './json.js';
import type { FieldSchema } from './lists.js';
import { viewOf, type Subresource } from './scope.js';
import { fieldSetFromObject } from './toset.js';

/** The annotation client-side apply keeps its last configuration in. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The only field manager the bridge works for (kubectl's default for `--server-side`). */
export const KUBECTL_MANAGER = 'kubectl';

/**
 * Fields whose conflicts kubectl may take over: those in the live object's last-applied annotation
 * whose live value still equals the annotated one. Undefined when there is no usable annotation.
 */
export function allowedConflictsFromLastApplied(
  live: KubeObject,
  liveView: JsonObject,
  subresource: Subresource,
  schema: FieldSchema,
): FieldSet | undefined {
  const text = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (text === undefined || text === '') return undefined;
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed) || parsed['apiVersion'] !== live.apiVersion) return undefined;
  try {
    const lastView = viewOf(parsed, subresource);
    const cmp = compareObjects(lastView, liveView, schema);
    return fieldSetFromObject(lastView, schema).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
  } catch (err) {
    // An annotation kube could not type-check gives no allowance, it does not fail the apply.
    if (err instanceof ConvergeError) return undefined;
    throw err;
  }
}

/**
 * `result` with its last-applied annotation (if it has one) set to `applied`, encoded as kube does:
 * sorted keys, HTML-escaped, newline-terminated, without the annotation itself.
 */
export function syncLastApplied(result: KubeObject, applied: KubeObject): KubeObject {
  const current = result.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (current === undefined || current === '') return result;
  const json = toJson(applied);
  const config: JsonObject = isJsonObject(json) ? json : {};
  const meta = config['metadata'];
  if (isJsonObject(meta) && isJsonObject(meta['annotations'])) {
    const { [LAST_APPLIED_ANNOTATION]: _dropped, ...rest } = meta['annotations'];
    config['metadata'] = { ...meta, annotations: rest };
  }
  const encoded = `${goJson(config)}\n`;
  if (encoded === current) return result;
  return {
    ...result,
    metadata: { ...result.metadata, annotations: { ...result.metadata.annotations, [LAST_APPLIED_ANNOTATION]: encoded } },
  };
}

/** JSON as Go's `json.Encoder` writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. */
function goJson(value: JsonValue): string {
  return canonicalJson(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
