/**
 * Reading a whole collection through {@link ApiClient}, page by page, at one consistent revision.
 */
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../client/types.js';
import { isCompacted } from '../errors/index.js';

/** Options of {@link listAll}. */
export interface ListAllOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Items per page; 0 = one unpaginated request. */
  readonly pageSize: number;
}

/** A full list and the revision it reflects. */
export interface FullList {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

/**
 * Lists every matching object. Pages share the first page's snapshot; if that snapshot is compacted away
 * mid-way (410 on a continue token) the list is read again in one request, as client-go's reflector does,
 * rather than looping on pages that can never complete.
 */
export async function listAll(client: ApiClient, type: ResourceType, options: ListAllOptions): Promise<FullList> {
  const { pageSize, ...selection } = options;
  const items: KubeObject[] = [];
  let page = await client.list(type, { ...selection, ...(pageSize > 0 ? { limit: pageSize } : {}) });
  const resourceVersion = page.resourceVersion;
  items.push(...page.items);
  while (page.continue) {
    try {
      page = await client.list(type, { ...selection, limit: pageSize, continue: page.continue });
    } catch (err) {
      if (!isCompacted(err)) throw err;
      const whole = await client.list(type, selection);
      return { items: whole.items, resourceVersion: whole.resourceVersion };
    }
    items.push(...page.items);
  }
  return { items, resourceVersion };
}
