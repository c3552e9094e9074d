import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFoundError } from '../../errors/index.js';
import type { ApiServerDeps } from '../deps.js';
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroupList,
  apiGroupOf,
  apiResourceList,
  apiVersions,
} from '../discovery.js';
import type { OpenApiCache, CachedDocument } from '../openapi-cache.js';
import { writeJson, writeText } from '../respond.js';
import { wantsAggregatedDiscovery } from '../util/negotiate.js';
import { acceptsOpenApiV2Protobuf, OpenApiV2ProtobufMediaType } from '../../openapi/protobuf.js';
import { serverVersion } from '../version.js';


function sendDocument(req: IncomingMessage, res: ServerResponse, doc: CachedDocument, contentType: string): number {
  if (req.headers['if-none-match'] === doc.etag) {
    res.writeHead(304, { ETag: doc.etag });
    res.end();
    return 304;
  }
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': doc.body.length, ETag: doc.etag });
  res.end(req.method === 'HEAD' ? undefined : doc.body);
  return 200;
}

/** Everything that is not a resource: discovery, OpenAPI, version, health and metrics. */
export async function handleNonResource(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ApiServerDeps,
  openapi: OpenApiCache,
): Promise<number> {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const accept = req.headers.accept;
  switch (path) {
    case '/livez':
    case '/healthz':
      writeText(res, 200, 'ok');
      return 200;
    case '/readyz':
      try {
        await deps.checkStore();
        writeText(res, 200, 'ok');
        return 200;
      } catch (err) {
        deps.logger.warn({ err }, 'readyz: store not reachable');
        writeText(res, 503, '[-]store failed: not reachable\nreadyz check failed');
        return 503;
      }
    case '/metrics':
      writeText(res, 200, await deps.metrics.registry.metrics(), deps.metrics.registry.contentType);
      return 200;
    case '/version':
      writeJson(res, 200, serverVersion());
      return 200;
    case '/api':
      if (wantsAggregatedDiscovery(accept)) {
        writeJson(res, 200, aggregatedDiscovery(deps, true), AGGREGATED_DISCOVERY_CONTENT_TYPE);
      } else {
        writeJson(res, 200, apiVersions(req.headers.host ?? '127.0.0.1'));
      }
      return 200;
    case '/api/v1':
      writeJson(res, 200, apiResourceList(deps, '', 'v1'));
      return 200;
    case '/apis':
      if (wantsAggregatedDiscovery(accept)) {
        writeJson(res, 200, aggregatedDiscovery(deps, false), AGGREGATED_DISCOVERY_CONTENT_TYPE);
      } else {
        writeJson(res, 200, apiGroupList(deps));
      }
      return 200;
    case '/openapi/v2':
      return acceptsOpenApiV2Protobuf(accept ?? '')
        ? sendDocument(req, res, openapi.v2Protobuf(), OpenApiV2ProtobufMediaType.Current)
        : sendDocument(req, res, openapi.v2Json(), 'application/json');
    case '/openapi/v3': {
      const index = openapi.v3('');
      if (index) return sendDocument(req, res, index, 'application/json');
      break;
    }
    default:
      break;
  }
  if (path.startsWith('/openapi/v3/')) {
    const doc = openapi.v3(path.slice('/openapi/v3/'.length));
    if (doc) return sendDocument(req, res, doc, 'application/json');
  }
  const extension = deps.extensions?.find((e) => path === e.prefix || path.startsWith(`${e.prefix}/`));
  if (extension !== undefined) return extension.handle(req, res, url, deps.limits);
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] === 'apis' && parts.length === 2) {
    const group = apiGroupOf(deps, parts[1]!);
    if (group) {
      writeJson(res, 200, group);
      return 200;
    }
  }
  if (parts[0] === 'apis' && parts.length === 3) {
    const list = apiResourceList(deps, parts[1]!, parts[2]!);
    if (list.resources.length > 0) {
      writeJson(res, 200, list);
      return 200;
    }
  }
  throw new NotFoundError('the server could not find the requested resource');
}
