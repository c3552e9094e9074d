/**
 * The request-scoped context of an API request (AsyncLocalStorage): who sent it, and room for the parsed body
 * the audit log may want. Code deep in the request path (admission of RBAC objects, which must check that a
 * user does not grant more than they hold) reads the user here instead of having it passed through every layer.
 * Outside an HTTP request (the in-process client the controllers use) there is no context: trusted internal code.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestAttributes, UserInfo } from './types.js';

/** What the API server knows about the request being served. */
export interface RequestContext {
  readonly user?: UserInfo;
  readonly attributes?: RequestAttributes;
  /** Set true by the server when the audit policy wants this request's body; handlers then store it in `body`. */
  readonly captureBody: boolean;
  body?: unknown;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `context` as the current request context. */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the request being served, or undefined outside an HTTP request. */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/** Records a request body for the audit log, when the policy asked for it. Call where bodies are parsed. */
export function noteRequestBody(body: unknown): void {
  const context = storage.getStore();
  if (context?.captureBody === true) context.body = body;
}
