import { apiVersionOf } from '../../../schemas/types.js';
import { BadRequestError, isNotFound } from '../../errors/index.js';
import { deleteObject, listObjects, type DeletePreconditions } from '../../registry/index.js';
import { writeJson } from '../respond.js';
import { readBody } from '../util/body.js';
import { decodeBody } from '../util/decode.js';
import type { ListQuery, WriteQuery } from '../util/query.js';
import { selectorFilter } from './read.js';
import type { ResourceRequest } from './resource-request.js';

/** The parts of a `DeleteOptions` body Converge honours. */
interface DeleteBody {
  readonly preconditions?: DeletePreconditions;
  readonly dryRun: boolean;
}

async function readDeleteOptions(r: ResourceRequest): Promise<DeleteBody> {
  const raw = await readBody(r.req, { limitBytes: r.deps.limits.maxBodyBytes });
  if (raw.length === 0) return { dryRun: false };
  const value = decodeBody({ body: raw, contentType: r.req.headers['content-type'] ?? 'application/json', allowed: ['application/json', 'application/yaml'] }).value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError('request body must be a DeleteOptions object');
  }
  const opts = value as { preconditions?: unknown; dryRun?: unknown };
  const pre = opts.preconditions;
  let preconditions: DeletePreconditions | undefined;
  if (pre !== undefined && pre !== null) {
    if (typeof pre !== 'object' || Array.isArray(pre)) throw new BadRequestError('preconditions: expected object');
    const { uid, resourceVersion } = pre as { uid?: unknown; resourceVersion?: unknown };
    if (uid !== undefined && typeof uid !== 'string') throw new BadRequestError('preconditions.uid: expected string');
    if (resourceVersion !== undefined && typeof resourceVersion !== 'string') {
      throw new BadRequestError('preconditions.resourceVersion: expected string');
    }
    preconditions = {
      ...(uid !== undefined ? { uid } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    };
  }
  const dryRun = Array.isArray(opts.dryRun) && opts.dryRun.includes('All');
  return { ...(preconditions ? { preconditions } : {}), dryRun };
}

/**
 * DELETE of one object: 200 with a success `Status` when it is gone, 202 with the object when finalizers
 * keep it (it now carries `deletionTimestamp`).
 */
export async function handleDelete(r: ResourceRequest, query: WriteQuery): Promise<number> {
  const body = await readDeleteOptions(r);
  const name = r.info.name ?? '';
  const result = await deleteObject(r.deps.registry, r.type, r.info.namespace, name, {
    dryRun: query.dryRun || body.dryRun,
    ...(body.preconditions ? { preconditions: body.preconditions } : {}),
  });
  if (!result.removed) {
    writeJson(r.res, 202, result.object);
    return 202;
  }
  writeJson(r.res, 200, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: r.type.group, kind: r.type.plural, uid: result.object.metadata.uid },
  });
  return 200;
}

/** DELETE of a collection: deletes every object matching the selectors; answers with the deleted list. */
export async function handleDeleteCollection(r: ResourceRequest, query: ListQuery & WriteQuery): Promise<number> {
  const filter = selectorFilter(query, r.type);
  const page = await listObjects(r.deps.registry, r.type, {
    ...(r.info.namespace !== undefined ? { namespace: r.info.namespace } : {}),
    ...(filter ? { filter } : {}),
  });
  const items = [];
  for (const obj of page.items) {
    try {
      const result = await deleteObject(r.deps.registry, r.type, obj.metadata.namespace, obj.metadata.name, {
        dryRun: query.dryRun,
      });
      items.push(result.object);
    } catch (err) {
      // Deleted by someone else meanwhile: the collection delete still succeeded for it.
      if (!isNotFound(err)) throw err;
    }
  }
  const metadata = { resourceVersion: String(page.revision) };
  writeJson(r.res, 200, { apiVersion: apiVersionOf(r.type), kind: `${r.type.kind}List`, metadata, items });
  return 200;
}
