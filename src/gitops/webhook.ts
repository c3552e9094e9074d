/**
 * The push webhook receiver, served next to the API:
 *
 *   POST /hooks/v1/gitrepositories/NAMESPACE/NAME
 *
 * The body (at most 1 MiB) must be signed with the token in the GitRepository's `spec.webhook.secretRef`
 * (see signature.ts). A verified push of the ref the repository follows triggers a sync by setting the
 * `gitops.converge.io/requestedAt` annotation (Flux's `reconcile.fluxcd.io/requestedAt` pattern): the
 * controller's watch sees the change at once, on whichever replica holds the controller lease.
 * Unsigned → 401, wrong signature → 403, both as Status JSON; nothing is synced then.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gitRepositorySpec, gitRepositoryType } from '../../schemas/gitrepository.js';
import { secretType } from '../../schemas/index.js';
import type { ApiExtension } from '../apiserver/deps.js';
import { writeJson } from '../apiserver/respond.js';
import { readBody } from '../apiserver/util/body.js';
import type { ApiClient } from '../client/types.js';
import { BadRequestError, ConvergeError, ErrorCode, NotFoundError } from '../errors/index.js';
import { secretValue } from './credentials.js';
import { parsePush, pushConcerns, verifyDelivery } from './signature.js';

/** Path prefix of the receiver. */
export const WEBHOOK_PREFIX = '/hooks/v1';
/** Largest delivery accepted. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;
/** Annotation whose change asks the controller to sync now. */
export const REQUESTED_AT_ANNOTATION = 'gitops.converge.io/requestedAt';
/** Default key of the token in the webhook Secret. */
export const DEFAULT_TOKEN_KEY = 'token';
/** Field manager of the annotation write. */
const WEBHOOK_FIELD_MANAGER = 'converge-gitops-webhook';

/** Options of {@link gitopsWebhookExtension}. */
export interface WebhookOptions {
  readonly client: ApiClient;
  /** Default wall clock. */
  readonly now?: () => Date;
}

function unauthorized(message: string): ConvergeError {
  return new ConvergeError(ErrorCode.Unauthorized, message);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequestError('webhook body is not JSON: configure the webhook with content type application/json');
  }
}

/** The token configured for `repo`, or a 404 when the repository has no webhook (indistinguishable from none). */
async function tokenOf(client: ApiClient, namespace: string, name: string): Promise<{ token: string; spec: ReturnType<typeof gitRepositorySpec.parse> }> {
  const repo = await client.get(gitRepositoryType, namespace, name);
  const spec = gitRepositorySpec.parse(repo.spec);
  const ref = spec.webhook?.secretRef;
  const missing = new NotFoundError(`no webhook is configured for gitrepositories "${name}" in namespace "${namespace}"`, { kind: gitRepositoryType.plural, name });
  if (ref === undefined) throw missing;
  const secret = await client.get(secretType, namespace, ref.name);
  const token = secretValue(secret, ref.key ?? DEFAULT_TOKEN_KEY);
  if (token === undefined || token === '') throw missing;
  return { token, spec };
}

async function handle(options: WebhookOptions, req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
  const parts = url.pathname.slice(WEBHOOK_PREFIX.length).split('/').filter((p) => p !== '');
  if (parts.length !== 3 || parts[0] !== gitRepositoryType.plural) {
    throw new NotFoundError(`unknown webhook path ${url.pathname}; use ${WEBHOOK_PREFIX}/gitrepositories/NAMESPACE/NAME`);
  }
  if (req.method !== 'POST') throw new ConvergeError(ErrorCode.MethodNotAllowed, `method ${req.method ?? ''} not allowed on ${url.pathname}; webhooks are POSTed`);
  const namespace = decodeURIComponent(parts[1] ?? '');
  const name = decodeURIComponent(parts[2] ?? '');
  const body = await readBody(req, { limitBytes: MAX_WEBHOOK_BYTES });
  const { token, spec } = await tokenOf(options.client, namespace, name);
  const verified = verifyDelivery(req.headers, body, token);
  if (!verified.ok) {
    if (verified.missing) throw unauthorized(verified.message);
    throw new ConvergeError(ErrorCode.Forbidden, verified.message);
  }
  const push = parsePush(parseJson(body));
  if (!pushConcerns(push.ref, spec.ref ?? {})) {
    writeJson(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', message: `ignored: push to ${push.ref ?? ''} is not the ref this GitRepository follows` });
    return 200;
  }
  // Millisecond precision: two pushes within a second must both change the annotation.
  const at = (options.now ?? (() => new Date()))().toISOString();
  await options.client.patch(
    gitRepositoryType,
    namespace,
    name,
    { type: 'merge', body: { metadata: { annotations: { [REQUESTED_AT_ANNOTATION]: `${at} ${push.after ?? ''}`.trim() } } } },
    { fieldManager: WEBHOOK_FIELD_MANAGER },
  );
  writeJson(res, 202, { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 202, message: `sync of ${namespace}/${name} requested${push.after ? ` for ${push.after}` : ''}` });
  return 202;
}

/** The receiver as an API extension (see the module comment). */
export function gitopsWebhookExtension(options: WebhookOptions): ApiExtension {
  return {
    prefix: WEBHOOK_PREFIX,
    handle: (req, res, url) => handle(options, req, res, url),
  };
}
