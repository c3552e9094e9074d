/**
 * The probe and metrics endpoint of `converge serve --kube` (kube mode serves no API of its own): `/livez`
 * (and `/healthz`) for the liveness probe, `/readyz` for the readiness probe, `/metrics` for Prometheus.
 * Probes answer `ok` with 200, or the reason with 503, as kube components do; `?verbose` is accepted and
 * changes nothing. Extensions of the API server (the GitOps push webhook) can be mounted here too, since kube
 * mode has no API server of its own to serve them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { defaultLimits, type ApiExtension } from '../apiserver/deps.js';
import { writeError } from '../apiserver/respond.js';
import type { Logger } from '../observability/logger.js';

/** The answer of one probe: healthy, or why not. */
export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What the probes check; called on every request, so they must be cheap and never throw. */
export interface HealthChecks {
  live(): ProbeResult;
  ready(): ProbeResult;
}

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly checks: HealthChecks;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Served by path prefix, as the API server serves them (errors answered as `Status` JSON). */
  readonly extensions?: readonly ApiExtension[];
}

/** A listening health server. */
export interface HealthServer {
  /** Base URL, e.g. `http://127.0.0.1:8080` (a wildcard host is shown as given). */
  readonly url: string;
  /** Stops listening and closes idle connections. */
  close(): Promise<void>;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}

function probe(res: ServerResponse, result: ProbeResult): void {
  if (result.ok) text(res, 200, 'ok\n');
  else text(res, 503, `${result.reason}\n`);
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HealthServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  const extension = options.extensions?.find((e) => path === e.prefix || path.startsWith(`${e.prefix}/`));
  if (extension !== undefined) {
    try {
      await extension.handle(req, res, url, defaultLimits);
    } catch (err) {
      writeError(res, err);
    }
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed\n');
  switch (path) {
    case '/livez':
    case '/healthz':
      return probe(res, options.checks.live());
    case '/readyz':
      return probe(res, options.checks.ready());
    case '/metrics': {
      const body = await options.registry.metrics();
      res.writeHead(200, { 'Content-Type': options.registry.contentType });
      res.end(body);
      return;
    }
    default:
      return text(res, 404, `not found: this port serves /livez, /readyz and /metrics${(options.extensions ?? []).map((e) => `, ${e.prefix}/`).join('')}\n`);
  }
}

/** Listens on `host:port`; rejects (e.g. address in use) with the listen error. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((err: unknown) => {
      options.logger.warn({ err }, 'health endpoint failed');
      if (!res.headersSent) text(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
