import { ConvergeError, ErrorCode } from '../../errors/index.js';
import { applyObject, patchObject } from '../../registry/index.js';
import { fieldManagerFor } from '../ssa/index.js';
import { writeJson } from '../respond.js';
import { readBody } from '../util/body.js';
import { decodeBody } from '../util/decode.js';
import { validatePatchQuery, type WriteQuery } from '../util/query.js';
import type { ResourceRequest } from './resource-request.js';
import { acceptsStrategicMergePatch, strategicAsMergePatch } from './strategic.js';
import { writeOptions } from './write-options.js';

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function unsupported(type: string): ConvergeError {
  return new ConvergeError(
    ErrorCode.UnsupportedMediaType,
    `${type === STRATEGIC ? 'strategic merge patch is not supported for Converge resources' : `unsupported patch type "${type}"`}: accepted media types include: ${JSON_PATCH}, ${MERGE}, ${APPLY}`,
  );
}

/**
 * PATCH of an object or its status: JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge patch
 * of core kinds (see strategic.ts), or server-side apply (`application/apply-patch+yaml`, which also creates a
 * missing object). The patch is re-applied to a fresh
 * read when another writer wins the race, unless it sets `metadata.resourceVersion`.
 */
export async function handlePatch(r: ResourceRequest, query: WriteQuery): Promise<number> {
  const type = mediaType(r.req.headers['content-type']);
  const strategic = type === STRATEGIC && acceptsStrategicMergePatch(r.type);
  if (type !== MERGE && type !== JSON_PATCH && type !== APPLY && !strategic) throw unsupported(type);
  validatePatchQuery(query, type);
  const raw = await readBody(r.req, { limitBytes: r.deps.limits.maxBodyBytes });
  const decoded = decodeBody({ body: raw, contentType: type === APPLY ? 'application/yaml' : 'application/json', allowed: ['application/json', 'application/yaml'] }).value;
  if (type === APPLY) return handleApply(r, query, decoded);
  const patch = strategic ? strategicAsMergePatch(decoded) : decoded;
  const updated = await patchObject(r.deps.registry, r.type, r.info.namespace, r.info.name ?? '', { type: type === JSON_PATCH ? 'json' : 'merge', body: patch }, {
    ...writeOptions(r, query, 'PatchOptions'),
    subresource: r.info.subresource === 'status' ? 'status' : 'main',
    maxOperations: r.deps.limits.maxPatchOperations,
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
