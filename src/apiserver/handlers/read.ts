import type { KubeObject } from '../../../schemas/object.js';
import { apiVersionOf, type ResourceType } from '../../../schemas/types.js';
import { getObject, listObjects } from '../../registry/index.js';
import { writeJson } from '../respond.js';
import { toTable } from '../table.js';
import { decodeContinue, encodeContinue } from '../util/continue.js';
import { matchesFields, parseFieldSelector } from '../util/fields.js';
import { matchesLabels, parseLabelSelector } from '../util/labels.js';
import { wantsTable } from '../util/negotiate.js';
import type { ListQuery } from '../util/query.js';
import type { ResourceRequest } from './resource-request.js';

/** Fields every kind supports in `fieldSelector`, as kube-apiserver does for custom resources. */
export const SELECTABLE_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

/** Fields `fieldSelector` may use on `type`: {@link SELECTABLE_FIELDS} plus the kind's own (Event: `involvedObject.*`). */
export function selectableFieldsOf(type: Pick<ResourceType, 'selectableFields'> | undefined): readonly string[] {
  return type?.selectableFields === undefined ? SELECTABLE_FIELDS : [...SELECTABLE_FIELDS, ...type.selectableFields];
}

/** Builds the selector predicate of a list or watch of `type` from its query parameters. */
export function selectorFilter(query: ListQuery, type?: Pick<ResourceType, 'selectableFields'>): ((obj: KubeObject) => boolean) | undefined {
  const labels = query.labelSelector ? parseLabelSelector(query.labelSelector) : undefined;
  const fields = query.fieldSelector ? parseFieldSelector(query.fieldSelector, selectableFieldsOf(type)) : undefined;
  if (!labels && !fields) return undefined;
  return (obj) =>
    (labels === undefined || matchesLabels(labels, obj.metadata.labels)) &&
    (fields === undefined || matchesFields(fields, obj));
}

/** GET of one object (JSON, or a one-row Table when asked). */
export async function handleGet(r: ResourceRequest): Promise<number> {
  const obj = await getObject(r.deps.registry, r.type, r.info.namespace, r.info.name ?? '');
  if (wantsTable(r.req.headers.accept)) {
    writeJson(r.res, 200, toTable(r.type, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, r.deps.registry.now()));
  } else {
    writeJson(r.res, 200, obj);
  }
  return 200;
}

/** LIST with limit/continue, resourceVersion semantics and label/field selectors. */
export async function handleList(r: ResourceRequest, query: ListQuery): Promise<number> {
  const filter = selectorFilter(query, r.type);
  const page = await listObjects(r.deps.registry, r.type, {
    ...(r.info.namespace !== undefined ? { namespace: r.info.namespace } : {}),
    ...(query.limit !== undefined ? { limit: query.limit } : {}),
    ...(query.continue ? { continueFrom: decodeContinue(query.continue) } : {}),
    ...(query.resourceVersion !== undefined ? { resourceVersion: query.resourceVersion } : {}),
    ...(query.resourceVersionMatch !== undefined ? { resourceVersionMatch: query.resourceVersionMatch } : {}),
    ...(filter ? { filter } : {}),
  });
  const metadata: { resourceVersion: string; continue?: string } = { resourceVersion: String(page.revision) };
  if (page.next) metadata.continue = encodeContinue(page.next);
  if (wantsTable(r.req.headers.accept)) {
    writeJson(r.res, 200, toTable(r.type, page.items, metadata, r.deps.registry.now()));
  } else {
    writeJson(r.res, 200, { apiVersion: apiVersionOf(r.type), kind: `${r.type.kind}List`, metadata, items: page.items });
  }
  return 200;
}
