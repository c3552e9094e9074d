/** Helpers shared by the v2 and v3 document builders. */
import type { JsonObject, JsonValue } from '../../schemas/object.js';
import { metaDefinitions, refsIn } from './meta.js';

/** Options of the document builders. */
export interface OpenApiOptions {
  /** `info.title`; default `Converge`. */
  readonly title?: string;
  /** `info.version`, the server version; default `v0.1.0`. */
  readonly version?: string;
}

/** Meta definitions reachable from `roots`, so a document carries exactly what it references. */
export function reachableMeta(roots: JsonValue): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  const pending = [...refsIn(roots)];
  while (pending.length > 0) {
    const name = pending.pop() ?? '';
    const def = metaDefinitions[name];
    if (def === undefined || name in out) continue;
    out[name] = def;
    pending.push(...refsIn(def));
  }
  return out;
}

/** `entries` with keys in sorted order, so serialised documents (and their hashes) are stable. */
export function sortedObject(entries: Readonly<Record<string, JsonValue>>): JsonObject {
  return Object.fromEntries(Object.keys(entries).sort().map((k) => [k, entries[k] ?? null]));
}
