import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from '../../../schemas/types.js';
import type { ApiServerDeps } from '../deps.js';
import type { RequestInfo } from '../request-info.js';

/** A resolved request against one resource type, handed to the verb handlers. */
export interface ResourceRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly info: Extract<RequestInfo, { kind: 'resource' }>;
  readonly type: ResourceType;
  readonly deps: ApiServerDeps;
}
