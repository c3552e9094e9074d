import type { ServerResponse } from 'node:http';
import { statusFromError } from './util/status.js';

/** Writes a JSON body with the given status code (no-op if the response already started). */
export function writeJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

/** Writes a plain-text body (health endpoints, metrics). */
export function writeText(res: ServerResponse, code: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) return;
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Answers with a Kubernetes `Status` for any error. Converge errors keep their HTTP status, reason and causes;
 * anything else becomes a generic 500 (the cause is logged by the caller, never sent).
 */
export function writeError(res: ServerResponse, err: unknown): number {
  const { code, body } = statusFromError(err);
  if (res.headersSent) {
    res.destroy();
    return code;
  }
  const retryAfter = (body.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  writeJson(res, code, body);
  return code;
}
