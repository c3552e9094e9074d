import type { KubeObject } from '../../../schemas/object.js';
import type { JsonValue } from '../../../schemas/object.js';
import { ConvergeError, ErrorCode } from '../../errors/index.js';
import { updateObject } from '../../registry/index.js';
import { writeJson } from '../respond.js';
import { readBody } from '../util/body.js';
import { decodeBody } from '../util/decode.js';
import { applyJsonPatch, applyMergePatch } from '../util/patch.js';
import type { WriteQuery } from '../util/query.js';
import type { ResourceRequest } from './resource-request.js';

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The stored object without its resourceVersion, so a patch only carries a precondition if it sets one. */
function withoutResourceVersion(obj: KubeObject): JsonValue {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return JSON.parse(JSON.stringify({ ...obj, metadata })) as JsonValue;
}

/**
 * PATCH of an object or its status with JSON merge patch (RFC 7386) or JSON patch (RFC 6902). The patch is
 * re-applied to a fresh read when another writer wins the race, unless it sets `metadata.resourceVersion`.
 */
export async function handlePatch(r: ResourceRequest, query: WriteQuery): Promise<number> {
  const type = mediaType(r.req.headers['content-type']);
  if (type === STRATEGIC) {
    throw new ConvergeError(
      ErrorCode.UnsupportedMediaType,
      `the body of the request was in an unknown format - accepted media types include: ${JSON_PATCH}, ${MERGE}, ${APPLY}`,
    );
  }
  if (type !== MERGE && type !== JSON_PATCH) {
    throw new ConvergeError(
      ErrorCode.UnsupportedMediaType,
      `unsupported patch type "${type}": accepted media types include: ${JSON_PATCH}, ${MERGE}`,
    );
  }
  const raw = await readBody(r.req, { limitBytes: r.deps.limits.maxBodyBytes });
  const patch = decodeBody({ body: raw, contentType: 'application/json', allowed: ['application/json'] }).value;
  const mutate = (current: KubeObject): unknown =>
    type === MERGE
      ? applyMergePatch(withoutResourceVersion(current), patch)
      : applyJsonPatch(withoutResourceVersion(current), patch, { maxOperations: r.deps.limits.maxPatchOperations });
  const updated = await updateObject(r.deps.registry, r.type, r.info.namespace, r.info.name ?? '', undefined, {
    dryRun: query.dryRun,
    subresource: r.info.subresource === 'status' ? 'status' : 'main',
    mutate,
  });
  writeJson(r.res, 200, updated);
  return 200;
}
