/**
 * The SIMULATED cloud's admin endpoint, served next to the API under `/sim/v1`: read what the simulated
 * backend holds and change it behind Converge's back (drift injection), the way an operator would with
 * `virsh` or the S3 console. `converge sim` is its client.
 *
 *   GET    /sim/v1                                    clouds and how many resources of each kind they hold
 *   GET    /sim/v1/clouds/CLOUD/PLURAL                the resources of one kind (PLURAL: instances, volumes, buckets, networks)
 *   POST   /sim/v1/clouds/CLOUD/PLURAL                create one by hand, `{"name": …, "fields": {…}}` (to adopt or observe)
 *   GET    /sim/v1/clouds/CLOUD/PLURAL/NAME           one resource
 *   PATCH  /sim/v1/clouds/CLOUD/PLURAL/NAME           merge a JSON object of fields into it (drift)
 *   DELETE /sim/v1/clouds/CLOUD/PLURAL/NAME           delete it out of band
 *
 * CLOUD is the ProviderConfig name, NAME the external name (`status.externalName`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from '../../schemas/object.js';
import type { ApiExtension } from '../apiserver/deps.js';
import { writeJson } from '../apiserver/respond.js';
import { readBody } from '../apiserver/util/body.js';
import { decodeObject } from '../apiserver/util/decode.js';
import { AlreadyExistsError, ConvergeError, ErrorCode, InvalidError, NotFoundError } from '../errors/index.js';
import { SimKind, type SimClouds, type SimRecord } from '../providers/sim/index.js';

/** Path prefix of the admin endpoint. */
export const SIM_ADMIN_PREFIX = '/sim/v1';

/** URL resource names of the simulated kinds. */
export const simPlurals: Readonly<Record<string, SimKind>> = {
  instances: SimKind.Instance,
  volumes: SimKind.Volume,
  buckets: SimKind.Bucket,
  networks: SimKind.Network,
};

/** Largest drift patch accepted. */
const MAX_PATCH_BYTES = 64 * 1024;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
/** Record fields that tie a simulated resource to its object: changing them is not drift, it breaks adoption. */
const PROTECTED_FIELDS = new Set(['ref']);

const NOTE = 'SIMULATED cloud: in-process stand-in for real infrastructure; nothing here exists outside Converge.';

function resourceBody(cloud: string, plural: string, name: string, fields: SimRecord): JsonObject {
  return { kind: 'SimulatedResource', cloud, resource: plural, name, fields: fields as JsonObject };
}

function notFound(cloud: string, plural: string, name: string): NotFoundError {
  return new NotFoundError(`simulated ${plural} "${name}" not found in cloud "${cloud}"`, { kind: plural, name });
}

function methodNotAllowed(method: string, path: string): ConvergeError {
  return new ConvergeError(ErrorCode.MethodNotAllowed, `method ${method} not allowed on ${path}`);
}

/** Validates a drift patch: an object of field names (never `ref`) to JSON values. */
function checkPatch(patch: JsonObject, allowEmpty = false): void {
  const causes = Object.keys(patch).flatMap((field) => {
    if (PROTECTED_FIELDS.has(field)) return [{ field, reason: 'FieldValueForbidden', message: `Forbidden: "${field}" links the resource to its object and cannot be changed` }];
    if (!FIELD_NAME.test(field)) return [{ field: field.slice(0, 64), reason: 'FieldValueInvalid', message: 'Invalid value: field names are letters and digits, starting with a letter' }];
    return [];
  });
  if (!allowEmpty && Object.keys(patch).length === 0) causes.push({ field: '', reason: 'FieldValueRequired', message: 'Required value: name at least one field to change' });
  if (causes.length > 0) throw new InvalidError(`simulated resource fields are invalid (${causes.length} error${causes.length === 1 ? '' : 's'})`, { causes });
}

async function handleResource(req: IncomingMessage, res: ServerResponse, clouds: SimClouds, cloudName: string, plural: string, name: string): Promise<number> {
  const kind = simPlurals[plural];
  if (kind === undefined) throw new NotFoundError(`unknown simulated resource "${plural}"; one of ${Object.keys(simPlurals).join(', ')}`);
  const cloud = clouds.get(cloudName);
  switch (req.method) {
    case 'GET': {
      const record = cloud.peek(kind, name);
      if (record === undefined) throw notFound(cloudName, plural, name);
      writeJson(res, 200, resourceBody(cloudName, plural, name, record));
      return 200;
    }
    case 'PATCH': {
      const patch = decodeObject(await readBody(req, { limitBytes: MAX_PATCH_BYTES }), req.headers['content-type']?.replace(/merge-patch\+/, ''));
      checkPatch(patch);
      if (!cloud.mutate(kind, name, patch)) throw notFound(cloudName, plural, name);
      writeJson(res, 200, resourceBody(cloudName, plural, name, cloud.peek(kind, name) ?? {}));
      return 200;
    }
    case 'DELETE':
      if (!cloud.remove(kind, name)) throw notFound(cloudName, plural, name);
      writeJson(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', message: `simulated ${plural} "${name}" deleted out of band` });
      return 200;
    default:
      throw methodNotAllowed(req.method ?? '', `${SIM_ADMIN_PREFIX}/clouds/${cloudName}/${plural}/${name}`);
  }
}

/** Creates a resource by hand, as an operator would outside Converge (409 when the name is taken). */
async function handleCreate(req: IncomingMessage, res: ServerResponse, clouds: SimClouds, cloudName: string, plural: string): Promise<number> {
  const kind = simPlurals[plural];
  if (kind === undefined) throw new NotFoundError(`unknown simulated resource "${plural}"; one of ${Object.keys(simPlurals).join(', ')}`);
  const body = decodeObject(await readBody(req, { limitBytes: MAX_PATCH_BYTES }), req.headers['content-type']);
  const name = body['name'];
  const fields = body['fields'] ?? {};
  if (typeof name !== 'string' || !SEGMENT.test(name)) {
    throw new InvalidError('name: Required value: a name of letters, digits, ".", "_" or "-"', { causes: [{ field: 'name', reason: 'FieldValueRequired', message: 'Required value: a name of letters, digits, ".", "_" or "-"' }] });
  }
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new InvalidError('fields: Invalid value: must be an object', { causes: [{ field: 'fields', reason: 'FieldValueInvalid', message: 'Invalid value: must be an object' }] });
  }
  checkPatch(fields, true);
  const cloud = clouds.get(cloudName);
  if (cloud.peek(kind, name) !== undefined) throw new AlreadyExistsError(`simulated ${plural} "${name}" already exists in cloud "${cloudName}"`, { kind: plural, name });
  cloud.state.insert(cloudName, kind, name, fields);
  writeJson(res, 201, resourceBody(cloudName, plural, name, cloud.peek(kind, name) ?? {}));
  return 201;
}

/** The `/sim/v1` endpoint over `clouds`; see the module comment. */
export function simAdminExtension(clouds: SimClouds): ApiExtension {
  return {
    prefix: SIM_ADMIN_PREFIX,
    async handle(req, res, url) {
      const parts = url.pathname.slice(SIM_ADMIN_PREFIX.length).split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
      for (const part of parts) if (!SEGMENT.test(part)) throw new NotFoundError(`invalid path segment "${part.slice(0, 64)}"`);
      const [clouds_, cloudName, plural, name, ...rest] = parts;
      if (rest.length > 0 || (clouds_ !== undefined && clouds_ !== 'clouds')) throw new NotFoundError(`no such simulated-cloud path ${url.pathname}`);
      if (name !== undefined && cloudName !== undefined && plural !== undefined) return handleResource(req, res, clouds, cloudName, plural, name);
      if (req.method === 'POST' && cloudName !== undefined && plural !== undefined) return handleCreate(req, res, clouds, cloudName, plural);
      if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', url.pathname);
      if (cloudName !== undefined && plural !== undefined) {
        const kind = simPlurals[plural];
        if (kind === undefined) throw new NotFoundError(`unknown simulated resource "${plural}"; one of ${Object.keys(simPlurals).join(', ')}`);
        const items = clouds.get(cloudName).entries(kind).map(([n, record]) => resourceBody(cloudName, plural, n, record));
        writeJson(res, 200, { kind: 'SimulatedResourceList', note: NOTE, cloud: cloudName, resource: plural, items });
        return 200;
      }
      if (cloudName !== undefined) throw new NotFoundError(`name a resource: ${SIM_ADMIN_PREFIX}/clouds/${cloudName}/{${Object.keys(simPlurals).join(',')}}`);
      const list = clouds.names().map((n) => ({
        name: n,
        resources: Object.fromEntries(Object.entries(simPlurals).map(([p, kind]) => [p, clouds.get(n).names(kind).length])),
      }));
      writeJson(res, 200, { kind: 'SimulatedCloudList', note: NOTE, clouds: list });
      return 200;
    },
  };
}
