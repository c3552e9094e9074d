/**
 * HTTP(S) for benchmarks against a spawned `converge serve`: it serves HTTPS with its own CA and wants the
 * admin token of its kubeconfig (the secure default), so benchmarks measure what users run. A 429 is waited out
 * (Retry-After) and resent, as the CLI and client-go do.
 */
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ServeProcess } from '../test/helpers/cli.js';

/** A keep-alive client for one server. */
export interface SecureClient {
  /** Sends a request; resolves with status and body text. */
  request(method: string, path: string, body?: string): Promise<{ code: number; text: string }>;
  /** Opens a streaming GET (a watch); `onResponse` gets the response once headers arrive. */
  stream(path: string, onResponse: (res: IncomingMessage) => void): Promise<import('node:http').ClientRequest>;
  readonly agent: https.Agent;
}

/** A client for `serve` with at most `maxSockets` connections. */
export function secureClient(serve: ServeProcess, maxSockets: number): SecureClient {
  const url = new URL(serve.url);
  const agent = new https.Agent({ keepAlive: true, maxSockets, ...(serve.credentials.caPem ? { ca: serve.credentials.caPem } : {}) });
  const auth: Record<string, string> = serve.credentials.token ? { Authorization: `Bearer ${serve.credentials.token}` } : {};
  const base = { host: url.hostname, port: Number(url.port), agent };
  const once = (method: string, path: string, body?: string) =>
    new Promise<{ code: number; text: string; retryAfter: number }>((resolve, reject) => {
      const headers = { ...auth, ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}) };
      const req = https.request({ ...base, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: Number(res.headers['retry-after'] ?? 1) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  return {
    agent,
    async request(method, path, body) {
      for (;;) {
        const res = await once(method, path, body);
        if (res.code !== 429) return { code: res.code, text: res.text };
        await new Promise((r) => setTimeout(r, Math.max(1, res.retryAfter) * 1000));
      }
    },
    stream(path, onResponse) {
      return new Promise((resolve, reject) => {
        const req = https.get({ ...base, path, headers: auth }, (res) => {
          onResponse(res);
          resolve(req);
        });
        req.on('error', reject);
      });
    },
  };
}
