/**
 * A Converge test server authorized by RBAC (src/auth/rbac/) with a tiny test authenticator, so RBAC is tested
 * apart from the real token and certificate stages: `Authorization: Bearer <user>:<group>,<group>` is user
 * `<user>` in those groups (plus `system:authenticated`); no credentials is anonymous (401).
 */
import type { IncomingMessage } from 'node:http';
import { UnauthorizedError } from '../../src/errors/index.js';
import { startRbac, type Rbac } from '../../src/auth/rbac/index.js';
import { SYSTEM_AUTHENTICATED, type Authenticator } from '../../src/auth/types.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import type { ApiClient } from '../../src/client/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * `Bearer alice:team,ops` → alice in groups team, ops (and system:authenticated). kubectl never sends a bearer
 * token over plain HTTP, so for kubectl the test stand-in also takes the user from `--as`/`--as-group`
 * (`Impersonate-User`/`Impersonate-Group` headers) — not kube's impersonation, just this test's credentials;
 * test/auth/impersonation.test.ts tests the real impersonation.
 */
export const bearerUsers: Authenticator = {
  async authenticate(req: IncomingMessage) {
    const impersonated = req.headers['impersonate-user'];
    if (typeof impersonated === 'string') {
      const raw = req.headers['impersonate-group'];
      const groups = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
      // Consumed as credentials here, so the server's real impersonation (src/auth/impersonation.ts) must not
      // see them too.
      for (const headers of [req.headersDistinct, req.headers]) {
        delete headers['impersonate-user'];
        delete headers['impersonate-group'];
      }
      return { name: impersonated, groups: [...groups, SYSTEM_AUTHENTICATED], method: 'token' };
    }
    const header = req.headers.authorization;
    if (header === undefined) return undefined;
    const match = /^Bearer ([^:]+)(?::(.*))?$/.exec(header);
    if (match === null) throw new UnauthorizedError();
    const groups = (match[2] ?? '').split(',').filter((g) => g !== '');
    return { name: match[1] ?? '', groups: [...groups, SYSTEM_AUTHENTICATED], method: 'token' };
  },
};

/** A server, its RBAC, and an in-process (trusted) client for fixtures. */
export interface RbacServer {
  readonly server: TestServer;
  readonly rbac: Rbac;
  readonly client: ApiClient;
  /** Sends a request as `token` (`user:groups`; undefined = no credentials); JSON bodies. */
  call(token: string | undefined, method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: unknown }>;
  /** The store's current revision: unchanged across a request = the request wrote nothing. */
  revision(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts an RBAC-authorized test server (no controllers). */
export async function startRbacServer(): Promise<RbacServer> {
  let rbac: Rbac | undefined;
  const server = await startTestServer({
    security: async (context) => {
      rbac = await startRbac({ registry: context.registry, logger: context.logger });
      return { authenticator: bearerUsers, authorizer: rbac.authorizer };
    },
  });
  if (rbac === undefined) throw new Error('security factory did not run');
  const started = rbac;
  return {
    server,
    rbac: started,
    client: createInProcessClient({ registry: server.registry }),
    async call(token, method, path, body, contentType = 'application/json') {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), 'content-type': contentType },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (e.g. an empty body): keep the text
      }
      return { status: res.status, body: parsed };
    },
    revision: async () => (await server.backend.stats()).revision,
    stop: async () => {
      started.stop();
      await server.stop();
    },
  };
}

/** Polls `check` every 10 ms until it resolves true; resolves the time it took, or throws after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 2000): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
