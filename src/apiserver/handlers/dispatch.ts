import { ConvergeError, ErrorCode, NotFoundError } from '../../errors/index.js';
import { parseListQuery, parseWriteQuery } from '../util/query.js';
import { handleDelete, handleDeleteCollection } from './delete.js';
import { handlePatch } from './patch.js';
import { handleGet, handleList, selectableFieldsOf } from './read.js';
import type { ResourceRequest } from './resource-request.js';
import type { ApiSubresource } from '../deps.js';
import { getObject } from '../../registry/index.js';
import { writeJson } from '../respond.js';
import { handleWatch } from './watch.js';
import { handleCreate, handleUpdate } from './write.js';

/** Subresources every kind serves. */
const SUBRESOURCES = new Set(['status']);

function methodNotAllowed(r: ResourceRequest): ConvergeError {
  return new ConvergeError(ErrorCode.MethodNotAllowed, `${r.info.verb} is not supported on ${r.info.resource}/${r.info.subresource ?? ''}`);
}

/** Serves an extra read-only subresource (see `ApiSubresource`) of an existing object. */
async function handleExtraSubresource(r: ResourceRequest, subresource: ApiSubresource): Promise<number> {
  if (r.info.verb !== 'get') throw methodNotAllowed(r);
  const obj = await getObject(r.deps.registry, r.type, r.info.namespace, r.info.name ?? '');
  writeJson(r.res, 200, await subresource.get(r.type, obj));
  return 200;
}

/** Checks scope and subresource, then runs the verb handler. Returns the HTTP status written. */
export async function dispatchResource(r: ResourceRequest): Promise<number> {
  const { info, type } = r;
  const extra = r.deps.subresources?.find((s) => s.name === info.subresource && s.serves(type));
  if (extra !== undefined && (type.namespaced ? info.namespace !== undefined : info.namespace === undefined)) return handleExtraSubresource(r, extra);
  if (info.subresource !== undefined && (!SUBRESOURCES.has(info.subresource) || type.topLevel !== undefined)) {
    throw new NotFoundError('the server could not find the requested resource');
  }
  if (!type.namespaced && info.namespace !== undefined) {
    throw new NotFoundError('the server could not find the requested resource');
  }
  if (type.namespaced && info.namespace === undefined && (info.name !== undefined || info.verb === 'create')) {
    throw new NotFoundError(`the server could not find the requested resource: ${type.plural} are namespaced, use /namespaces/<namespace>/${type.plural}`);
  }
  const params = r.url.searchParams;
  const listOptions = { selectableFields: selectableFieldsOf(type) };
  if (info.subresource === 'status' && !['get', 'update', 'patch'].includes(info.verb)) throw methodNotAllowed(r);
  switch (info.verb) {
    case 'get':
      return handleGet(r);
    case 'list':
      return handleList(r, parseListQuery(params, listOptions));
    case 'watch':
      return handleWatch(r, parseListQuery(params, listOptions));
    case 'create':
      return handleCreate(r, parseWriteQuery(params));
    case 'update':
      return handleUpdate(r, parseWriteQuery(params));
    case 'patch':
      return handlePatch(r, parseWriteQuery(params));
    case 'delete':
      return handleDelete(r, parseWriteQuery(params));
    case 'deletecollection':
      return handleDeleteCollection(r, { ...parseListQuery(params, listOptions), ...parseWriteQuery(params) });
  }
}
