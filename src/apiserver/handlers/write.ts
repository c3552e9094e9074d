import { createObject, updateObject } from '../../registry/index.js';
import { writeJson } from '../respond.js';
import { noteRequestBody } from '../../auth/context.js';
import { acceptsProtobuf, decodeKubeProtobuf, PROTOBUF_MEDIA_TYPE } from '../protobuf/decode.js';
import { decodeBody, mediaTypeOf } from '../util/decode.js';
import { readBody } from '../util/body.js';
import type { WriteQuery } from '../util/query.js';
import type { ResourceRequest } from './resource-request.js';
import { writeOptions } from './write-options.js';

const OBJECT_MEDIA_TYPES = ['application/json', 'application/yaml'] as const;

/**
 * Reads and decodes a JSON or YAML object body within the size limit; kinds that kube clients send as
 * protobuf (RBAC, Secrets: see src/apiserver/protobuf/decode.ts) may also come as protobuf.
 */
export async function readObjectBody(r: ResourceRequest): Promise<unknown> {
  const body = await readBody(r.req, { limitBytes: r.deps.limits.maxBodyBytes });
  const contentType = r.req.headers['content-type'];
  const apiVersion = r.type.group === '' ? r.type.version : `${r.type.group}/${r.type.version}`;
  if (contentType !== undefined && mediaTypeOf(contentType) === PROTOBUF_MEDIA_TYPE && acceptsProtobuf(apiVersion, r.type.kind)) {
    const value = decodeKubeProtobuf(body);
    noteRequestBody(value);
    return value;
  }
  return decodeBody({ body, contentType, allowed: OBJECT_MEDIA_TYPES }).value;
}

/** POST to a collection: create (201). */
export async function handleCreate(r: ResourceRequest, query: WriteQuery): Promise<number> {
  const body = await readObjectBody(r);
  const created = await createObject(r.deps.registry, r.type, r.info.namespace, body, writeOptions(r, query, 'CreateOptions'));
  writeJson(r.res, 201, created);
  return 201;
}

/** PUT of an object or its status: update with a resourceVersion precondition (200). */
export async function handleUpdate(r: ResourceRequest, query: WriteQuery): Promise<number> {
  const body = await readObjectBody(r);
  const updated = await updateObject(r.deps.registry, r.type, r.info.namespace, r.info.name ?? '', body, {
    ...writeOptions(r, query, 'UpdateOptions'),
    subresource: r.info.subresource === 'status' ? 'status' : 'main',
  });
  writeJson(r.res, 200, updated);
  return 200;
}
