import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { validateObject } from '../../schemas/validate-object.js';
import { ManifestError, type ManifestDocument } from './parse.js';

/** A validated manifest object with its type and where it came from. */
export interface ResolvedManifest {
  readonly type: ResourceType;
  /** The object as written (not defaulted), with the namespace filled in for namespaced kinds. */
  readonly object: KubeObject;
  readonly source: string;
  readonly line: number;
}

/** Options of {@link resolveManifests}. */
export interface ResolveOptions {
  readonly types: readonly ResourceType[];
  /** Namespace for namespaced objects that name none (kubectl's `-n`, default `default`). */
  readonly defaultNamespace: string;
}

/** Apply order: what others reference comes first (kubectl-style ordering, by dependency); Namespaces before their content. */
const KIND_ORDER = ['Namespace', 'ProviderConfig', 'Pool', 'Network', 'Volume', 'Bucket', 'Instance'];

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

function segments(field: string): (string | number)[] {
  return field
    .split(/\.|\[(\d+)\]/)
    .filter((s) => s !== undefined && s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function labelOf(value: Record<string, unknown>): string {
  const kind = typeof value['kind'] === 'string' ? value['kind'] : '<no kind>';
  const meta = value['metadata'] as { name?: unknown } | undefined;
  return `${kind}/${typeof meta?.name === 'string' ? meta.name : '<no name>'}`;
}

function findType(types: readonly ResourceType[], apiVersion: unknown, kind: unknown): ResourceType | undefined {
  return types.find((t) => t.kind === kind && (t.group === '' ? t.version : `${t.group}/${t.version}`) === apiVersion);
}

/**
 * Validates every document against the schemas before anything is sent, and orders the objects for apply.
 * Collects every problem as `file:line: Kind/name: field: message` (unknown kinds and duplicates included);
 * the caller applies nothing when `errors` is non-empty.
 */
export function resolveManifests(docs: readonly ManifestDocument[], options: ResolveOptions): { objects: ResolvedManifest[]; errors: ManifestError[] } {
  const errors: ManifestError[] = [];
  const objects: ResolvedManifest[] = [];
  const seen = new Map<string, string>();
  for (const doc of docs) {
    if (doc.value === null || typeof doc.value !== 'object' || Array.isArray(doc.value)) {
      errors.push(new ManifestError(doc.source, doc.line, 'expected a YAML mapping with apiVersion, kind and metadata'));
      continue;
    }
    const value = doc.value as Record<string, unknown>;
    const label = labelOf(value);
    const type = findType(options.types, value['apiVersion'], value['kind']);
    if (!type) {
      const known = options.types.map((t) => t.kind).join(', ');
      errors.push(new ManifestError(doc.source, doc.lineOf(['kind']), `${label}: unknown kind ${JSON.stringify(value['kind'])} in apiVersion ${JSON.stringify(value['apiVersion'])} (known kinds: ${known})`));
      continue;
    }
    const object = structuredClone(value) as unknown as KubeObject;
    const meta = object.metadata as KubeObject['metadata'] | undefined;
    if (type.namespaced && meta !== null && typeof meta === 'object' && !Array.isArray(meta)) meta.namespace ??= options.defaultNamespace;
    const result = validateObject(type, object);
    if (!result.ok) {
      for (const c of result.causes) errors.push(new ManifestError(doc.source, doc.lineOf(segments(c.field)), `${label}: ${c.field}: ${c.message}`));
      continue;
    }
    const key = `${type.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      errors.push(new ManifestError(doc.source, doc.line, `${label}: duplicate object: already defined at ${first}`));
      continue;
    }
    seen.set(key, `${doc.source}:${doc.line}`);
    objects.push({ type, object, source: doc.source, line: doc.line });
  }
  objects.sort((a, b) => kindRank(a.type.kind) - kindRank(b.type.kind));
  return { objects, errors };
}
