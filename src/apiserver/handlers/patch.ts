import type { JsonValue, KubeObject } from '../../../schemas/object.js';
import { ConvergeError, ErrorCode } from '../../errors/index.js';
import { applyObject, updateObject } from '../../registry/index.js';
import { fieldManagerFor } from '../ssa/index.js';
import { writeJson } from '../respond.js';
import { readBody } from '../util/body.js';
import { decodeBody } from '../util/decode.js';
import { applyJsonPatch, applyMergePatch } from '../util/patch.js';
import { validatePatchQuery, type WriteQuery } from '../util/query.js';
import type { ResourceRequest } from './resource-request.js';
import { writeOptions } from './write-options.js';

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The stored object without its resourceVersion, so a patch only carries a precondition if it sets one. */
function withoutResourceVersion(obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return structuredClone({ ...obj, metadata });
}

function unsupported(type: string): ConvergeError {
  return new ConvergeError(
    ErrorCode.UnsupportedMediaType,
    `${type === STRATEGIC ? 'strategic merge patch is not supported for Converge resources' : `unsupported patch type "${type}"`}: accepted media types include: ${JSON_PATCH}, ${MERGE}, ${APPLY}`,
  );
}

/**
 * PATCH of an object or its status: JSON merge patch (RFC 7386), JSON patch (RFC 6902), or server-side apply
 * (`application/apply-patch+yaml`, which also creates a missing object). The patch is re-applied to a fresh
 * read when another writer wins the race, unless it sets `metadata.resourceVersion`.
 */
export async function handlePatch(r: ResourceRequest, query: WriteQuery): Promise<number> {
  const type = mediaType(r.req.headers['content-type']);
  if (type !== MERGE && type !== JSON_PATCH && type !== APPLY) throw unsupported(type);
  validatePatchQuery(query, type);
  const raw = await readBody(r.req, { limitBytes: r.deps.limits.maxBodyBytes });
  const patch = decodeBody({ body: raw, contentType: type === APPLY ? 'application/yaml' : 'application/json', allowed: ['application/json', 'application/yaml'] }).value;
  if (type === APPLY) return handleApply(r, query, patch);
  const options = writeOptions(r, query, 'PatchOptions');
  const mutate = (current: KubeObject): unknown =>
    type === MERGE
      ? applyMergePatch(withoutResourceVersion(current) as unknown as JsonValue, patch)
      : applyJsonPatch(withoutResourceVersion(current) as unknown as JsonValue, patch, { maxOperations: r.deps.limits.maxPatchOperations });
  const updated = await updateObject(r.deps.registry, r.type, r.info.namespace, r.info.name ?? '', undefined, {
    ...options,
    subresource: r.info.subresource === 'status' ? 'status' : 'main',
    mutate,
  });
  writeJson(r.res, 200, updated);
  return 200;
}

/** Server-side apply: merge the applied configuration, track field ownership, 409 on conflicts unless forced. */
async function handleApply(r: ResourceRequest, query: WriteQuery, patch: unknown): Promise<number> {
  const manager = fieldManagerFor({ query: query.fieldManager, userAgent: r.req.headers['user-agent'], isApply: true, optionsKind: 'PatchOptions' });
  const { fieldManager: _none, ...base } = writeOptions(r, query, 'PatchOptions');
  const result = await applyObject(r.deps.registry, r.type, r.info.namespace, r.info.name ?? '', patch, {
    ...base,
    manager,
    force: query.force ?? false,
    ...(r.info.subresource === 'status' ? { subresource: 'status' as const } : {}),
  });
  const code = result.created ? 201 : 200;
  writeJson(r.res, code, result.object);
  return code;
}
