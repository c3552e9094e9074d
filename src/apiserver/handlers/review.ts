import type { IncomingMessage, ServerResponse } from 'node:http';
import { currentRequest } from '../../auth/context.js';
import { ConvergeError, ErrorCode, InvalidError, NotFoundError } from '../../errors/index.js';
import type { ApiLimits, ApiReview } from '../deps.js';
import type { RequestInfo } from '../request-info.js';
import { writeJson } from '../respond.js';
import { readBody } from '../util/body.js';
import { decodeObject } from '../util/decode.js';

/** The review kind a resource request addresses, if any. */
export function findReview(reviews: readonly ApiReview[] | undefined, info: RequestInfo & { kind: 'resource' }): ApiReview | undefined {
  return reviews?.find((r) => r.group === info.group && r.version === info.version && r.plural === info.resource);
}

/**
 * Serves `POST` of a review kind: decodes the bounded body, checks its `apiVersion`/`kind` when given, and
 * answers 201 with the review's result. Reviews are cluster-scoped and nameless; anything else is 404/405.
 */
export async function handleReview(
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo & { kind: 'resource' },
  review: ApiReview,
  limits: ApiLimits,
): Promise<number> {
  if (info.namespace !== undefined || info.name !== undefined || info.subresource !== undefined) {
    throw new NotFoundError('the server could not find the requested resource');
  }
  if (info.verb !== 'create') {
    throw new ConvergeError(ErrorCode.MethodNotAllowed, `${info.verb} is not supported on ${review.plural}: only create`);
  }
  const body = decodeObject(await readBody(req, { limitBytes: limits.maxBodyBytes }), req.headers['content-type']);
  const apiVersion = `${review.group}/${review.version}`;
  const causes = [
    ...(body['apiVersion'] !== undefined && body['apiVersion'] !== apiVersion
      ? [{ field: 'apiVersion', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(body['apiVersion'])}: must be "${apiVersion}"` }]
      : []),
    ...(body['kind'] !== undefined && body['kind'] !== review.kind
      ? [{ field: 'kind', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(body['kind'])}: must be "${review.kind}"` }]
      : []),
  ];
  if (causes.length > 0) throw new InvalidError(`${review.kind} is invalid`, { causes, kind: review.kind });
  writeJson(res, 201, await review.review(body, currentRequest()?.user));
  return 201;
}
