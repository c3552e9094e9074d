/**
 * Checks an `openAPIV3Schema` against the Kubernetes structural-schema rules (apiextensions.k8s.io/v1),
 * so a CRD that kube-apiserver would reject fails in our tests and generator instead of at install time.
 */
import type { JsonObject, JsonValue } from '../../schemas/object.js';
import { isJsonObject } from './jsonschema.js';

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
/** Keys that may appear inside anyOf/oneOf/allOf/not: value validations only. */
const FORBIDDEN_IN_JUNCTORS = ['type', 'description', 'default', 'additionalProperties', 'nullable', 'title'];

function checkJunctor(node: JsonValue, path: string, problems: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => checkJunctor(n, `${path}[${i}]`, problems));
    return;
  }
  if (!isJsonObject(node)) return;
  for (const key of Object.keys(node)) {
    if (FORBIDDEN_IN_JUNCTORS.includes(key) || (key.startsWith('x-kubernetes-') && key !== 'x-kubernetes-int-or-string')) {
      problems.push(`${path}: "${key}" is not allowed inside anyOf/oneOf/allOf/not`);
    }
  }
  for (const sub of ['properties', 'items', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not']) {
    const v = node[sub];
    if (v === undefined) continue;
    if (sub === 'properties' && isJsonObject(v)) {
      for (const [name, s] of Object.entries(v)) checkJunctor(s, `${path}.${name}`, problems);
    } else {
      checkJunctor(v, `${path}.${sub}`, problems);
    }
  }
}

function checkListMap(node: JsonObject, path: string, problems: string[]): void {
  if (node['x-kubernetes-list-type'] !== 'map') return;
  const keys = node['x-kubernetes-list-map-keys'];
  const items = node.items;
  if (!Array.isArray(keys) || keys.length === 0) {
    problems.push(`${path}: x-kubernetes-list-type map needs x-kubernetes-list-map-keys`);
    return;
  }
  if (!isJsonObject(items) || items.type !== 'object' || !isJsonObject(items.properties)) {
    problems.push(`${path}: x-kubernetes-list-type map needs object items`);
    return;
  }
  const required = Array.isArray(items.required) ? items.required : [];
  for (const key of keys) {
    const prop = typeof key === 'string' ? items.properties[key] : undefined;
    if (!isJsonObject(prop)) {
      problems.push(`${path}: list-map key ${JSON.stringify(key)} is not a property of the items`);
    } else if (!required.includes(key) && prop.default === undefined) {
      problems.push(`${path}: list-map key ${JSON.stringify(key)} must be required or have a default`);
    } else if (prop.type === 'object' || prop.type === 'array') {
      problems.push(`${path}: list-map key ${JSON.stringify(key)} must be a scalar`);
    }
  }
}

function checkNode(node: JsonValue, path: string, problems: string[]): void {
  if (!isJsonObject(node)) {
    problems.push(`${path}: schema must be an object`);
    return;
  }
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  if (preserve !== undefined && preserve !== true) problems.push(`${path}: x-kubernetes-preserve-unknown-fields must be true when set`);
  const typed = typeof node.type === 'string';
  if (!typed && preserve !== true && node['x-kubernetes-int-or-string'] !== true) {
    problems.push(`${path}: type is required`);
  }
  if (typed && !TYPES.has(String(node.type))) problems.push(`${path}: unknown type ${JSON.stringify(node.type)}`);
  if (node.$ref !== undefined) problems.push(`${path}: $ref is not allowed`);
  if (node.uniqueItems === true) problems.push(`${path}: uniqueItems cannot be true`);
  if (node.additionalProperties === false) problems.push(`${path}: additionalProperties cannot be false`);
  if (node.properties !== undefined && node.additionalProperties !== undefined) {
    problems.push(`${path}: additionalProperties and properties are mutually exclusive`);
  }
  if (typeof node.pattern === 'string' && /\(\?[=!<]|\\[1-9]/.test(node.pattern)) {
    problems.push(`${path}: pattern uses lookaround or backreferences (not RE2)`);
  }
  if (node.type === 'array' && !isJsonObject(node.items)) problems.push(`${path}: arrays need a single items schema`);
  if (node.type !== 'array' && node.items !== undefined) problems.push(`${path}: items only allowed on arrays`);
  if (node.type !== 'object' && (node.properties !== undefined || node.additionalProperties !== undefined)) {
    problems.push(`${path}: properties only allowed on objects`);
  }
  checkListMap(node, path, problems);
  for (const junctor of ['anyOf', 'oneOf', 'allOf', 'not']) {
    const v = node[junctor];
    if (v !== undefined) checkJunctor(v, `${path}.${junctor}`, problems);
  }
  if (isJsonObject(node.properties)) {
    for (const [name, sub] of Object.entries(node.properties)) checkNode(sub, path === '' ? name : `${path}.${name}`, problems);
  }
  if (node.items !== undefined) checkNode(node.items, `${path}[]`, problems);
  if (isJsonObject(node.additionalProperties)) checkNode(node.additionalProperties, `${path}{}`, problems);
}

/**
 * Violations of the structural-schema rules in a CRD's `openAPIV3Schema`; empty when it is
 * structural. Also enforces that `metadata` is a plain `type: object` (Kubernetes allows nothing else there).
 */
export function structuralProblems(schema: JsonObject): string[] {
  const problems: string[] = [];
  if (schema.type !== 'object') problems.push('<root>: type must be object');
  checkNode(schema, '', problems);
  const props = schema.properties;
  if (isJsonObject(props) && props.metadata !== undefined) {
    const meta = props.metadata;
    if (!isJsonObject(meta) || Object.keys(meta).some((k) => k !== 'type') || meta.type !== 'object') {
      problems.push('metadata: only `type: object` is allowed');
    }
  }
  return problems;
}
