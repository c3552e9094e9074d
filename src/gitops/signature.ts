/**
 * Push webhooks of GitHub, Gitea and GitLab: verifying that a delivery comes from who holds the shared token,
 * and reading which ref moved to which commit. Comparisons are constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** How a delivery was verified. */
export const WebhookScheme = {
  /** `X-Hub-Signature-256: sha256=<hex>` (GitHub, Gitea, Gogs). */
  HubSignature: 'X-Hub-Signature-256',
  /** `X-Gitea-Signature: <hex>`. */
  GiteaSignature: 'X-Gitea-Signature',
  /** `X-Gitlab-Token: <token>` (GitLab sends the token itself). */
  GitlabToken: 'X-Gitlab-Token',
} as const;
export type WebhookScheme = (typeof WebhookScheme)[keyof typeof WebhookScheme];

/** Outcome of {@link verifyDelivery}. */
export type Verification =
  | { readonly ok: true; readonly scheme: WebhookScheme }
  | { readonly ok: false; readonly missing: boolean; readonly message: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time equality of two strings (lengths may differ; that alone is not leaked by timing). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  // Compare digests so that unequal lengths take the same time as equal ones.
  const ha = createHmac('sha256', 'converge-compare').update(ab).digest();
  const hb = createHmac('sha256', 'converge-compare').update(bb).digest();
  return timingSafeEqual(ha, hb) && ab.length === bb.length;
}

/** Hex HMAC-SHA256 of `body` keyed with `token`. */
export function hmacHex(token: string, body: Buffer): string {
  return createHmac('sha256', token).update(body).digest('hex');
}

/**
 * Checks a delivery against `token`: an HMAC-SHA256 signature of the raw body (GitHub/Gitea headers), or
 * GitLab's token header. A request with none of the headers is `missing` (401); a wrong one is not (403).
 */
export function verifyDelivery(headers: IncomingHttpHeaders, body: Buffer, token: string): Verification {
  const hub = header(headers, WebhookScheme.HubSignature);
  if (hub !== undefined) {
    const given = hub.trim().toLowerCase();
    return safeEqual(given, `sha256=${hmacHex(token, body)}`)
      ? { ok: true, scheme: WebhookScheme.HubSignature }
      : { ok: false, missing: false, message: `${WebhookScheme.HubSignature} does not match the body signed with the webhook token` };
  }
  const gitea = header(headers, WebhookScheme.GiteaSignature);
  if (gitea !== undefined) {
    return safeEqual(gitea.trim().toLowerCase(), hmacHex(token, body))
      ? { ok: true, scheme: WebhookScheme.GiteaSignature }
      : { ok: false, missing: false, message: `${WebhookScheme.GiteaSignature} does not match the body signed with the webhook token` };
  }
  const gitlab = header(headers, WebhookScheme.GitlabToken);
  if (gitlab !== undefined) {
    return safeEqual(gitlab, token)
      ? { ok: true, scheme: WebhookScheme.GitlabToken }
      : { ok: false, missing: false, message: `${WebhookScheme.GitlabToken} does not match the webhook token` };
  }
  return {
    ok: false,
    missing: true,
    message: `no signature: send ${WebhookScheme.HubSignature} (GitHub, Gitea), ${WebhookScheme.GiteaSignature} or ${WebhookScheme.GitlabToken} (GitLab)`,
  };
}

/** What a push payload says, as far as Converge cares. */
export interface PushEvent {
  /** Full ref that moved, e.g. `refs/heads/main`; undefined when the payload names none (a ping). */
  readonly ref?: string;
  /** Commit the ref moved to. */
  readonly after?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads `ref` and `after` (GitHub, Gitea, GitLab all use these names; GitLab also `checkout_sha`) from a
 * parsed JSON payload. Anything else (a ping, a form-encoded body) yields an empty event.
 */
export function parsePush(payload: unknown): PushEvent {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return {};
  const p = payload as Record<string, unknown>;
  const ref = str(p['ref']);
  const after = str(p['after']) ?? str(p['checkout_sha']);
  return { ...(ref !== undefined ? { ref } : {}), ...(after !== undefined ? { after } : {}) };
}

/**
 * True when a push of `ref` concerns a repository following `tracked`: the tracked branch or tag moved, or
 * the repository follows the remote's default branch or a fixed commit (then any push may matter), or the
 * payload names no ref.
 */
export function pushConcerns(ref: string | undefined, tracked: { readonly branch?: string | undefined; readonly tag?: string | undefined }): boolean {
  if (ref === undefined) return true;
  if (tracked.branch !== undefined) return ref === `refs/heads/${tracked.branch}`;
  if (tracked.tag !== undefined) return ref === `refs/tags/${tracked.tag}`;
  return true;
}
