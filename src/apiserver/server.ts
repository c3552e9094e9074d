import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { runWithRequestContext, type RequestContext } from '../auth/context.js';
import { admitRequest, isPublicPath } from '../auth/pipeline.js';
import { ConvergeError, ErrorCode, NotFoundError } from '../errors/index.js';
import type { ApiServerDeps } from './deps.js';
import { dispatchResource } from './handlers/dispatch.js';
import { handleNonResource } from './handlers/nonresource.js';
import { findReview, handleReview } from './handlers/review.js';
import { OpenApiCache } from './openapi-cache.js';
import { resolveRequestInfo, type RequestInfo } from './request-info.js';
import { writeError } from './respond.js';

const MAX_URL_LENGTH = 8192;

function labelsOf(info: RequestInfo | undefined) {
  if (info?.kind !== 'resource') return { verb: 'nonresource', group: '', resource: '', subresource: '' };
  return { verb: info.verb, group: info.group, resource: info.resource, subresource: info.subresource ?? '' };
}

/**
 * The request handler of the Kubernetes-compatible API: resolves the path, serves discovery/OpenAPI/health, or
 * dispatches a resource verb. Never throws: every failure becomes a `Status` response; unexpected errors are
 * logged and answered with a generic 500. With `deps.security`, every request but the public paths is
 * authenticated, rate-limited and authorized first and audited once it completes (src/auth/pipeline.ts).
 */
export function createApiHandler(deps: ApiServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const openapi = new OpenApiCache(deps.types);
  return (req, res) => {
    const started = process.hrtime.bigint();
    const startedAt = new Date();
    let info: RequestInfo | undefined;
    let context: RequestContext | undefined;
    let audited = false;
    const finish = (code: number) => {
      if (audited) auditRequest(code);
      const labels = labelsOf(info);
      deps.metrics.requests.inc({ ...labels, code: String(code) });
      if (labels.verb !== 'watch') {
        deps.metrics.requestDuration.observe(
          { verb: labels.verb, group: labels.group, resource: labels.resource, subresource: labels.subresource },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
      }
    };
    const auditRequest = (code: number) => {
      deps.security?.audit?.record({
        ...(context?.user !== undefined ? { user: context.user } : {}),
        ...(context?.attributes !== undefined ? { attributes: context.attributes } : {}),
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        requestURI: (req.url ?? '/').slice(0, MAX_URL_LENGTH),
        ...(req.headers['user-agent'] !== undefined ? { userAgent: req.headers['user-agent'].slice(0, 1024) } : {}),
        code,
        latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
        startedAt,
        ...(req.socket.remoteAddress !== undefined ? { sourceIp: req.socket.remoteAddress } : {}),
        ...(context?.body !== undefined ? { requestBody: context.body } : {}),
      });
    };
    const serve = async (url: URL, requestInfo: RequestInfo): Promise<number> => {
      if (requestInfo.kind === 'nonResource') return handleNonResource(req, res, url, deps, openapi);
      const resource = requestInfo;
      const type = deps.types.find(
        (t) => t.group === resource.group && t.version === resource.version && t.plural === resource.resource,
      );
      if (type === undefined) {
        const review = findReview(deps.reviews, resource);
        if (review !== undefined) return handleReview(req, res, resource, review, deps.limits);
        throw new NotFoundError('the server could not find the requested resource');
      }
      return dispatchResource({ req, res, url, info: resource, type, deps });
    };
    const run = async (): Promise<number> => {
      if ((req.url ?? '').length > MAX_URL_LENGTH) {
        throw new ConvergeError(ErrorCode.BadRequest, `request URL longer than ${MAX_URL_LENGTH} bytes`);
      }
      const url = new URL(req.url ?? '/', 'http://converge.local');
      info = resolveRequestInfo(req.method ?? 'GET', url);
      if (info === undefined) {
        throw new ConvergeError(ErrorCode.MethodNotAllowed, `method ${req.method ?? ''} not allowed on ${url.pathname}`);
      }
      const security = deps.security;
      if (security === undefined || isPublicPath(url.pathname)) return serve(url, info);
      audited = true;
      // The context is set as soon as the user is known, so refused requests (403, 429) are audited with it.
      const admitted = await admitRequest(security, req, info, url.pathname, (user, attributes) => {
        context = { user, attributes, captureBody: security.audit?.wantsBody(attributes) ?? false };
      });
      if (context === undefined) throw new ConvergeError(ErrorCode.Internal, 'request admitted without a context');
      const requestInfo = info;
      try {
        return await runWithRequestContext(context, () => serve(url, requestInfo));
      } finally {
        admitted.done();
      }
    };
    run().then(finish, (err: unknown) => {
      if (!(err instanceof ConvergeError) || err.httpStatus >= 500) {
        deps.logger.error({ err, method: req.method, url: req.url }, 'request failed');
      }
      // An oversized body is not read to its end: close the connection rather than drain it.
      if (err instanceof ConvergeError && err.code === ErrorCode.RequestEntityTooLarge) res.setHeader('Connection', 'close');
      else if (!req.readableEnded) req.resume();
      finish(writeError(res, err));
    });
  };
}

/** Options of {@link startApiServer}. */
export interface ListenOptions {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  /** Serve HTTPS with this certificate; absent = plain HTTP (in-process tests, `--insecure-http`). */
  readonly tls?: ServerTls;
}

/** The HTTPS listener's certificate, and the CA that verifies (optional) client certificates. */
export interface ServerTls {
  readonly certPem: string;
  readonly keyPem: string;
  /** Client certificates are asked for but optional; those presented are verified against this CA. */
  readonly clientCaPem?: string;
}

/** A running HTTP API server. */
export interface RunningServer {
  readonly server: Server;
  /** Base URL, e.g. `http://127.0.0.1:6443`. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, ends open watches and waits for in-flight requests. */
  close(): Promise<void>;
}

/** Starts the API server on `host:port`, over HTTPS when `listen.tls` is given, else plain HTTP. */
export async function startApiServer(deps: ApiServerDeps, listen: ListenOptions): Promise<RunningServer> {
  const httpOptions = { requestTimeout: 0, headersTimeout: 30_000, keepAliveTimeout: 65_000 };
  const tls = listen.tls;
  // requestCert without rejectUnauthorized: a client certificate is optional (tokens work too); one presented
  // is verified against the CA and the x509 authenticator refuses it when verification failed.
  const server: Server =
    tls === undefined
      ? createServer(httpOptions, createApiHandler(deps))
      : createHttpsServer(
          {
            ...httpOptions,
            cert: tls.certPem,
            key: tls.keyPem,
            ...(tls.clientCaPem !== undefined ? { ca: tls.clientCaPem, requestCert: true, rejectUnauthorized: false } : {}),
          },
          createApiHandler(deps),
        );
  server.maxHeadersCount = 200;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    server,
    url: `${tls === undefined ? 'http' : 'https'}://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
