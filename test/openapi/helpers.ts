/** Walkers shared by the OpenAPI tests (not a test file itself). */
import type { JsonObject, JsonValue } from '../../schemas/object.js';
import { isJsonObject } from '../../src/openapi/jsonschema.js';

/** Calls `visit` on every object node of `value` with its JSON path. */
export function walk(value: JsonValue, path: string, visit: (node: JsonObject, path: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}[${i}]`, visit));
    return;
  }
  if (!isJsonObject(value)) return;
  visit(value, path);
  for (const [k, v] of Object.entries(value)) walk(v, `${path}/${k}`, visit);
}

/** Every `$ref` target in `value`. */
export function refs(value: JsonValue): string[] {
  const out: string[] = [];
  walk(value, '', (node) => {
    if (typeof node.$ref === 'string') out.push(node.$ref);
  });
  return out;
}

/** Paths of properties under `schema` (recursively through items and maps) that lack a description. */
export function undocumented(schema: JsonValue, path = ''): string[] {
  const out: string[] = [];
  if (!isJsonObject(schema)) return out;
  const props = schema.properties;
  if (isJsonObject(props)) {
    for (const [name, sub] of Object.entries(props)) {
      const p = `${path}.${name}`;
      if (!isJsonObject(sub) || typeof sub.description !== 'string' || sub.description === '') out.push(p);
      out.push(...undocumented(sub, p));
    }
  }
  if (schema.items !== undefined) out.push(...undocumented(schema.items, `${path}[]`));
  if (schema.additionalProperties !== undefined) out.push(...undocumented(schema.additionalProperties, `${path}{}`));
  return out;
}

/** Resolves a local `$ref` (`#/definitions/x` or `#/components/schemas/x`) in `doc`. */
export function deref(doc: JsonObject, ref: string): JsonObject | undefined {
  let node: JsonValue | undefined = doc;
  for (const seg of ref.replace(/^#\//, '').split('/')) {
    node = isJsonObject(node) ? node[seg] : undefined;
  }
  return isJsonObject(node) ? node : undefined;
}

/**
 * What `kubectl explain <kind>.<a>.<b>` would show: follows properties, array items, `$ref` and
 * single-element `allOf` wrappers the way kubectl does, and returns the schema at the path.
 */
export function explain(doc: JsonObject, start: JsonObject, fields: readonly string[]): JsonObject | undefined {
  const resolve = (s: JsonObject): JsonObject => {
    if (typeof s.$ref === 'string') return deref(doc, s.$ref) ?? s;
    const allOf = s.allOf;
    if (Array.isArray(allOf) && allOf.length === 1 && isJsonObject(allOf[0])) return resolve(allOf[0]);
    if (s.type === 'array' && isJsonObject(s.items)) return resolve(s.items);
    return s;
  };
  let node: JsonObject = resolve(start);
  for (const f of fields) {
    const props = node.properties;
    const next = isJsonObject(props) ? props[f] : undefined;
    if (!isJsonObject(next)) return undefined;
    node = resolve(next);
  }
  return node;
}
