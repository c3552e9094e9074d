import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { UnavailableError } from '../errors/index.js';
import { errorFromStatus } from './status-error.js';

/** One HTTP exchange with the API server. */
export interface TransportRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly accept?: string;
  readonly signal?: AbortSignal;
}

/** Largest response body the client buffers (a list of 10,000 objects fits comfortably). */
const MAX_RESPONSE_BYTES = 512 * 1024 * 1024;
/** 429 answers a request is retried after (the server refused it before doing anything, so any verb is safe to resend). */
const MAX_THROTTLED_RETRIES = 10;
/** Longest single wait for a Retry-After, so a misconfigured server cannot park the CLI for hours. */
const MAX_RETRY_AFTER_MS = 30_000;

/** Milliseconds a 429 asks the client to wait: its Retry-After seconds (default 1), capped, plus jitter so 16 parallel requests do not return in lockstep. */
function throttledDelayMs(res: http.IncomingMessage): number {
  const seconds = Number(res.headers['retry-after']);
  const base = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : 1000;
  return base + Math.random() * 250;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Sends requests to the server named by a kubeconfig, with its credentials and TLS settings (resolved by
 * @kubernetes/client-node: tokens, client certificates, exec plugins, CA data). Error answers become catalogue
 * errors; connection failures become `UnavailableError`.
 */
export class Transport {
  readonly #kc: KubeConfig;
  readonly #server: URL;
  readonly #agent: http.Agent;

  constructor(kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster) throw new UnavailableError('kubeconfig has no current cluster: set --server or --kubeconfig');
    // client-node refuses plain-HTTP clusters unless marked skipTLSVerify, which means nothing without TLS; a
    // copy marked so lets it still resolve the user's credentials (tokens, exec plugins) for loopback servers.
    if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
      const copy = new KubeConfig();
      copy.loadFromClusterAndUser({ ...cluster, skipTLSVerify: true }, user ?? { name: 'anonymous' });
      kc = copy;
    }
    this.#kc = kc;
    this.#server = new URL(cluster.server);
    this.#agent = this.#server.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: 64 }) : new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  /** Base URL of the API server. */
  get server(): string {
    return this.#server.toString().replace(/\/$/, '');
  }

  /** Opens a request and resolves with the response stream (status not yet checked). */
  async open(req: TransportRequest): Promise<http.IncomingMessage> {
    const options: https.RequestOptions = {
      method: req.method,
      protocol: this.#server.protocol,
      hostname: this.#server.hostname.replace(/^\[|\]$/g, ''),
      port: this.#server.port || (this.#server.protocol === 'https:' ? 443 : 80),
      path: `${this.#server.pathname.replace(/\/$/, '')}${req.path}`,
      headers: {
        Accept: req.accept ?? 'application/json',
        'User-Agent': 'converge/0.1.0',
        ...(req.body !== undefined ? { 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(req.body) } : {}),
      },
      agent: this.#agent,
      ...(req.signal ? { signal: req.signal } : {}),
    };
    await this.#kc.applyToHTTPSOptions(options);
    // Keep our pooled keep-alive agent; TLS material travels in the request options and keys the pool.
    options.agent = this.#agent;
    const lib = this.#server.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const r = lib.request(options, resolve);
      r.on('error', (err) => {
        if (req.signal?.aborted) reject(err);
        else reject(new UnavailableError(`cannot reach the API server at ${this.server}: ${err.message}`, { cause: err }));
      });
      r.end(req.body);
    });
  }

  /** Sends a request and parses the JSON answer; non-2xx answers throw the matching catalogue error. */
  async json<T>(req: TransportRequest): Promise<T> {
    let res = await this.open(req);
    // Per-user rate limiting (429 + Retry-After): wait as told and resend, like client-go, so a big apply slows down instead of failing.
    for (let attempt = 0; res.statusCode === 429 && attempt < MAX_THROTTLED_RETRIES; attempt++) {
      res.resume();
      await sleep(throttledDelayMs(res), req.signal);
      res = await this.open(req);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        res.destroy();
        throw new UnavailableError(`response from ${req.path} exceeds ${MAX_RESPONSE_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { message: text.slice(0, 200) };
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFromStatus(status, body);
    return body as T;
  }

  /** Releases pooled connections. */
  close(): void {
    this.#agent.destroy();
  }
}
