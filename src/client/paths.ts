import type { ResourceType } from '../../schemas/types.js';

/** URL path of a collection (`name` undefined) or one object, optionally a subresource. */
export function resourcePath(type: ResourceType, namespace: string | undefined, name?: string, subresource?: string): string {
  const root = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = type.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const item = name !== undefined ? `/${encodeURIComponent(name)}` : '';
  const sub = name !== undefined && subresource ? `/${subresource}` : '';
  return `${root}${ns}/${type.plural}${item}${sub}`;
}

/** Encodes query parameters, skipping undefined and empty values. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}
