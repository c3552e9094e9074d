import { apiVersionOf } from '../../../schemas/types.js';
import { BadRequestError, InvalidError, isNotFound, type FieldCause } from '../../errors/index.js';
import { deleteObject, listObjects, type DeletePreconditions } from '../../registry/index.js';
import { PropagationPolicy } from '../../registry/delete.js';
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
  readonly propagationPolicy?: PropagationPolicy;
  readonly orphanDependents?: boolean;
}

const POLICIES: readonly string[] = Object.values(PropagationPolicy);

/** The body's `propagationPolicy` and `orphanDependents`, checked as kube's ValidateDeleteOptions does. */
function propagationOf(opts: { propagationPolicy?: unknown; orphanDependents?: unknown }): Pick<DeleteBody, 'propagationPolicy' | 'orphanDependents'> {
  const { propagationPolicy, orphanDependents } = opts;
  if (propagationPolicy !== undefined && propagationPolicy !== null && typeof propagationPolicy !== 'string') {
    throw new BadRequestError('propagationPolicy: expected string');
  }
  if (orphanDependents !== undefined && orphanDependents !== null && typeof orphanDependents !== 'boolean') {
    throw new BadRequestError('orphanDependents: expected boolean');
  }
  const policy = typeof propagationPolicy === 'string' && propagationPolicy !== '' ? propagationPolicy : undefined;
  const orphan = typeof orphanDependents === 'boolean' ? orphanDependents : undefined;
  const causes: FieldCause[] = [];
  if (policy !== undefined && !POLICIES.includes(policy)) {
    const supported = POLICIES.map((p) => JSON.stringify(p)).join(', ');
    causes.push({ field: 'propagationPolicy', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(policy)}: supported values: ${supported}` });
  }
  if (policy !== undefined && orphan !== undefined) {
    causes.push({ field: 'orphanDependents', reason: 'FieldValueInvalid', message: `Invalid value: ${String(orphan)}: Cannot both set OrphanDependents and PropagationPolicy` });
  }
  if (causes.length > 0) {
    const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    throw new InvalidError(`DeleteOptions.meta.k8s.io "" is invalid: ${causes.length === 1 ? summary : `[${summary}]`}`, { causes, kind: 'DeleteOptions' });
  }
  return { ...(policy !== undefined ? { propagationPolicy: policy as PropagationPolicy } : {}), ...(orphan !== undefined ? { orphanDependents: orphan } : {}) };
}

/**
 * The propagation to apply: the body's when it names one (kube-apiserver decodes query parameters only when
 * there is no body), else the query's.
 */
function propagation(body: DeleteBody, query: WriteQuery): Pick<DeleteBody, 'propagationPolicy' | 'orphanDependents'> {
  const source = body.propagationPolicy !== undefined || body.orphanDependents !== undefined ? body : query;
  return {
    ...(source.propagationPolicy !== undefined ? { propagationPolicy: source.propagationPolicy } : {}),
    ...(source.orphanDependents !== undefined ? { orphanDependents: source.orphanDependents } : {}),
  };
}

async function readDeleteOptions(r: ResourceRequest): Promise<DeleteBody> {
  const raw = await readBody(r.req, { limitBytes: r.deps.limits.maxBodyBytes });
  if (raw.length === 0) return { dryRun: false };
  const value = decodeBody({ body: raw, contentType: r.req.headers['content-type'] ?? 'application/json', allowed: ['application/json', 'application/yaml'] }).value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError('request body must be a DeleteOptions object');
  }
  const opts = value as { preconditions?: unknown; dryRun?: unknown; propagationPolicy?: unknown; orphanDependents?: unknown };
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
  return { ...(preconditions ? { preconditions } : {}), dryRun, ...propagationOf(opts) };
}

/**
 * DELETE of one object: 200 with a success `Status` when it is gone, 202 with the object when finalizers
 * keep it (it now carries `deletionTimestamp`). `propagationPolicy` / `orphanDependents` (body or query) set
 * the garbage collector's finalizer (see deleteObject).
 */
export async function handleDelete(r: ResourceRequest, query: WriteQuery): Promise<number> {
  const body = await readDeleteOptions(r);
  const name = r.info.name ?? '';
  const result = await deleteObject(r.deps.registry, r.type, r.info.namespace, name, {
    dryRun: query.dryRun || body.dryRun,
    ...(body.preconditions ? { preconditions: body.preconditions } : {}),
    ...propagation(body, query),
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
  const body = await readDeleteOptions(r);
  const filter = selectorFilter(query, r.type);
  const page = await listObjects(r.deps.registry, r.type, {
    ...(r.info.namespace !== undefined ? { namespace: r.info.namespace } : {}),
    ...(filter ? { filter } : {}),
  });
  const items = [];
  for (const obj of page.items) {
    try {
      const result = await deleteObject(r.deps.registry, r.type, obj.metadata.namespace, obj.metadata.name, {
        dryRun: query.dryRun || body.dryRun,
        ...propagation(body, query),
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
