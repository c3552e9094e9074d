import { createHash } from 'node:crypto';
import type { ResourceType } from '../../schemas/types.js';
import type { JsonObject } from '../../schemas/object.js';
import { buildOpenApiV2 } from '../openapi/v2.js';
import { buildOpenApiV3 } from '../openapi/v3.js';
import { encodeOpenApiV2Protobuf } from '../openapi/protobuf.js';

/** An encoded document with its ETag. */
export interface CachedDocument {
  readonly body: Buffer;
  readonly etag: string;
}

function cached(body: Buffer): CachedDocument {
  return { body, etag: `"${createHash('sha512').update(body).digest('hex').slice(0, 32).toUpperCase()}"` };
}

/**
 * The OpenAPI documents, built from the zod schemas on first use and kept for the life of the process
 * (schemas are compiled in, so they cannot change while it runs).
 */
export class OpenApiCache {
  #v2Json: CachedDocument | undefined;
  #v2Proto: CachedDocument | undefined;
  #v3: Map<string, CachedDocument> | undefined;
  readonly #types: readonly ResourceType[];

  constructor(types: readonly ResourceType[]) {
    this.#types = types;
  }

  #v2(): JsonObject {
    return buildOpenApiV2(this.#types) as JsonObject;
  }

  /** `/openapi/v2` as JSON. */
  v2Json(): CachedDocument {
    this.#v2Json ??= cached(Buffer.from(JSON.stringify(this.#v2())));
    return this.#v2Json;
  }

  /** `/openapi/v2` as the gnostic protobuf kubectl downloads. */
  v2Protobuf(): CachedDocument {
    this.#v2Proto ??= cached(Buffer.from(encodeOpenApiV2Protobuf(this.#v2())));
    return this.#v2Proto;
  }

  /** `/openapi/v3/<path>` documents keyed by path (e.g. `apis/converge.io/v1alpha1`), and the index at `''`. */
  v3(path: string): CachedDocument | undefined {
    if (!this.#v3) {
      const docs = buildOpenApiV3(this.#types);
      const map = new Map<string, CachedDocument>();
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const [p, doc] of Object.entries(docs)) {
        const entry = cached(Buffer.from(JSON.stringify(doc)));
        map.set(p, entry);
        paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${entry.etag.slice(1, -1)}` };
      }
      map.set('', cached(Buffer.from(JSON.stringify({ paths }))));
      this.#v3 = map;
    }
    return this.#v3.get(path);
  }
}
