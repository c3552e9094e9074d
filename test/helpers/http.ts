import { serverFetch, type ServerCredentials } from './secure-fetch.js';

/** Minimal JSON-over-HTTP client for API tests: status, headers and the parsed body. */
export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly body: Record<string, unknown> & { [k: string]: unknown };
}

/** Options of {@link request}. */
export interface RequestOptions {
  readonly method?: string;
  /** Sent as JSON unless `raw` is given. */
  readonly json?: unknown;
  readonly raw?: string | Uint8Array;
  readonly contentType?: string;
  readonly accept?: string;
  /** Credentials instead of the ones registered for the server (see secure-fetch.ts). */
  readonly as?: ServerCredentials;
}

/** Sends one request (with the server's registered credentials, see secure-fetch.ts) and reads the whole response. */
export async function request(baseUrl: string, path: string, options: RequestOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  let body: string | Blob | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = options.contentType ?? 'application/json';
  } else if (options.raw !== undefined) {
    body = typeof options.raw === 'string' ? options.raw : new Blob([new Uint8Array(options.raw)]);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  if (options.accept) headers['accept'] = options.accept;
  const res = await serverFetch(baseUrl + path, { method: options.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}), ...(options.as ? { as: options.as } : {}) });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}
