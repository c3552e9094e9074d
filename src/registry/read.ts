import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { BadRequestError, CompactedError, ConvergeError, ErrorCode, isCompacted } from '../errors/index.js';
import { decodeObject, parseResourceVersion } from './codec.js';
import type { RegistryContext } from './context.js';
import { collectionPrefix, objectKey } from './keys.js';
import { notFound } from './names.js';

/** Reads one object; throws the Kubernetes-worded `NotFoundError`. */
export async function getObject(
  ctx: RegistryContext,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject> {
  const kv = await ctx.backend.get(objectKey(type, namespace, name));
  if (kv === undefined) throw notFound(type, name);
  return decodeObject(kv);
}

/** Where a paginated list continues: the snapshot revision and the last key returned. */
export interface ListPosition {
  readonly revision: number;
  readonly startAfter: string;
}

/** Options of {@link listObjects}. */
export interface ListOptions {
  /** Only this namespace; undefined = all namespaces (or a cluster-scoped kind). */
  readonly namespace?: string;
  /** At most this many items; 0/undefined = all. */
  readonly limit?: number;
  /** Continue a previous paginated list. */
  readonly continueFrom?: ListPosition;
  /** `resourceVersion` query parameter. */
  readonly resourceVersion?: string;
  /** `resourceVersionMatch` query parameter (`Exact` or `NotOlderThan`). */
  readonly resourceVersionMatch?: string;
  /** Selector predicate (labels, fields); items failing it are skipped. */
  readonly filter?: (obj: KubeObject) => boolean;
}

/** One page of a list. */
export interface ListPage {
  readonly items: KubeObject[];
  /** The revision the list was read at (the list's `metadata.resourceVersion`). */
  readonly revision: number;
  /** Present when more items may follow. */
  readonly next?: ListPosition;
}

const SCAN_CHUNK = 500;

async function snapshotRevision(ctx: RegistryContext, options: ListOptions): Promise<number | undefined> {
  if (options.continueFrom) return options.continueFrom.revision;
  const rv = parseResourceVersion(options.resourceVersion);
  if (Number.isNaN(rv)) throw new BadRequestError(`invalid resourceVersion "${String(options.resourceVersion)}"`);
  const match = options.resourceVersionMatch;
  if (match !== undefined && match !== '' && match !== 'Exact' && match !== 'NotOlderThan') {
    throw new BadRequestError(`resourceVersionMatch: unsupported value "${match}": supported values: "Exact", "NotOlderThan"`);
  }
  if (match === 'Exact') {
    if (rv === undefined || rv === 0) throw new BadRequestError('resourceVersionMatch=Exact requires a non-zero resourceVersion');
    return rv;
  }
  if (rv !== undefined && rv > 0) {
    const { revision } = await ctx.backend.stats();
    if (rv > revision) {
      throw new ConvergeError(ErrorCode.Timeout, `Too large resource version: ${rv}, current: ${revision}`, {
        retryAfterSeconds: 1,
      });
    }
  }
  return undefined;
}

/**
 * Lists objects at one consistent revision, following Kubernetes semantics for `limit`, `continue`,
 * `resourceVersion` and `resourceVersionMatch`. Filtering happens server-side while scanning, so a page holds up
 * to `limit` matching items. A continue point older than the compaction revision gives 410 Gone.
 */
export async function listObjects(ctx: RegistryContext, type: ResourceType, options: ListOptions): Promise<ListPage> {
  const prefix = collectionPrefix(type, options.namespace);
  const limit = options.limit ?? 0;
  let revision = await snapshotRevision(ctx, options);
  let startAfter = options.continueFrom?.startAfter;
  const items: KubeObject[] = [];
  for (;;) {
    const page = await readPage(ctx, { prefix, revision, startAfter, chunk: limit > 0 ? Math.max(limit, SCAN_CHUNK) : 0 }, options);
    revision = page.revision;
    for (let i = 0; i < page.kvs.length; i++) {
      const kv = page.kvs[i]!;
      startAfter = kv.key;
      const obj = decodeObject(kv);
      if (options.filter && !options.filter(obj)) continue;
      items.push(obj);
      if (limit > 0 && items.length >= limit) {
        const more = page.more || i < page.kvs.length - 1;
        return more ? { items, revision, next: { revision, startAfter: kv.key } } : { items, revision };
      }
    }
    if (!page.more) return { items, revision };
  }
}

interface PageRequest {
  readonly prefix: string;
  readonly revision: number | undefined;
  readonly startAfter: string | undefined;
  readonly chunk: number;
}

async function readPage(ctx: RegistryContext, req: PageRequest, options: ListOptions) {
  try {
    return await ctx.backend.range({
      prefix: req.prefix,
      ...(req.startAfter !== undefined ? { startAfter: req.startAfter } : {}),
      ...(req.chunk > 0 ? { limit: req.chunk } : {}),
      ...(req.revision !== undefined ? { revision: req.revision } : {}),
    });
  } catch (err) {
    if (isCompacted(err) && options.continueFrom) {
      throw new CompactedError(options.continueFrom.revision, err.compactRevision, {
        cause: err,
      });
    }
    throw err;
  }
}
