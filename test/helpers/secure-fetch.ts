/**
 * `fetch` for a `converge serve` secured by default: HTTPS verified against the server's own CA and the admin
 * bearer token of its kubeconfig. {@link spawnServe} registers each server's credentials by origin, so helpers
 * (`request`, `openWatch`) and tests call {@link serverFetch} with the server's URL and exercise the real TLS and
 * authentication path; an origin with no credentials (an in-process test server over plain HTTP) uses `fetch`.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'yaml';

/** What a client needs to talk to one secured server. */
export interface ServerCredentials {
  /** PEM of the CA that signed the server certificate. */
  readonly caPem?: string;
  readonly token?: string;
  /** Client certificate instead of (or with) the token. */
  readonly certPem?: string;
  readonly keyPem?: string;
}

const byOrigin = new Map<string, ServerCredentials>();

/** Remembers the credentials of the server at `url` for {@link serverFetch}. */
export function registerServer(url: string, credentials: ServerCredentials): void {
  byOrigin.set(new URL(url).origin, credentials);
}

/** The registered credentials of the server at `url`, if any. */
export function credentialsFor(url: string): ServerCredentials | undefined {
  return byOrigin.get(new URL(url).origin);
}

/** The CA data and token of a kubeconfig written by `converge serve` (first cluster and user). */
export function kubeconfigCredentials(path: string): ServerCredentials & { server: string } {
  const doc = parse(readFileSync(path, 'utf8')) as {
    clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
    users?: { user?: { token?: string } }[];
  };
  const cluster = doc.clusters?.[0]?.cluster;
  const caData = cluster?.['certificate-authority-data'];
  const token = doc.users?.[0]?.user?.token;
  return {
    server: cluster?.server ?? '',
    ...(caData !== undefined ? { caPem: Buffer.from(caData, 'base64').toString('utf8') } : {}),
    ...(token !== undefined ? { token } : {}),
  };
}

/** Options of {@link serverFetch} beyond `RequestInit`. */
export interface ServerFetchInit extends RequestInit {
  /** Use these credentials instead of the registered ones (`{caPem}` alone = anonymous over TLS). */
  readonly as?: ServerCredentials;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

async function bodyBytes(body: RequestInit['body']): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof Blob) return Buffer.from(await body.arrayBuffer());
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new Error('serverFetch: unsupported body type');
}

/**
 * `fetch(url, init)` with the server's registered (or `init.as`) credentials: the CA for TLS and
 * `Authorization: Bearer <token>` unless the request sets its own Authorization header.
 */
export async function serverFetch(url: string, init: ServerFetchInit = {}): Promise<Response> {
  const target = new URL(url);
  const creds = init.as ?? byOrigin.get(target.origin);
  if (target.protocol !== 'https:') {
    const headers = new Headers(init.headers);
    if (creds?.token !== undefined && !headers.has('authorization')) headers.set('authorization', `Bearer ${creds.token}`);
    return fetch(url, { ...init, headers });
  }
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => (headers[k] = v));
  if (creds?.token !== undefined && headers['authorization'] === undefined) headers['authorization'] = `Bearer ${creds.token}`;
  const body = await bodyBytes(init.body);
  if (body !== undefined) headers['content-length'] = String(body.length);
  return new Promise<Response>((resolve, reject) => {
    const req = https.request(
      target,
      {
        method: init.method ?? 'GET',
        headers,
        ...(creds?.caPem !== undefined ? { ca: creds.caPem } : {}),
        ...(creds?.certPem !== undefined ? { cert: creds.certPem } : {}),
        ...(creds?.keyPem !== undefined ? { key: creds.keyPem } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
        agent: false,
      },
      (res) => {
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined) continue;
          for (const one of Array.isArray(v) ? v : [v]) responseHeaders.append(k, one);
        }
        const status = res.statusCode ?? 0;
        const stream = NULL_BODY_STATUSES.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        if (stream === null) res.resume();
        resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
