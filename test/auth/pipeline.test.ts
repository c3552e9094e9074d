/**
 * The API server's security pipeline with simple stages: no credentials → 401, a denial → 403 in kube's
 * wording and nothing written, a refused rate-limit slot → 429 with Retry-After, health probes open, the user
 * visible to code deeper in the request, and every non-public request audited exactly once with its code.
 */
import t from 'tap';
import type { IncomingMessage } from 'node:http';
import { TooManyRequestsError, UnauthorizedError } from '../../src/errors/index.js';
import type { ApiSecurity, AuditRecord, RequestAttributes } from '../../src/auth/types.js';
import { startTestServer } from '../helpers/server.js';

const audit: AuditRecord[] = [];
const security: ApiSecurity = {
  authenticator: {
    async authenticate(req: IncomingMessage) {
      const header = req.headers.authorization;
      if (header === undefined) return undefined;
      const user = /^Bearer (alice|bob|noisy)$/.exec(header)?.[1];
      if (user === undefined) throw new UnauthorizedError();
      return { name: user, groups: ['system:authenticated'] };
    },
  },
  authorizer: {
    async authorize(a: RequestAttributes) {
      if (a.user.name === 'alice' || a.user.name === 'noisy') return { allowed: true, reason: 'test' };
      return { allowed: a.verb === 'get' || a.verb === 'list', reason: 'bob reads only' };
    },
  },
  limiter: {
    admit(user) {
      if (user.name === 'noisy') throw new TooManyRequestsError('too many requests from noisy', { retryAfterSeconds: 3 });
      return () => undefined;
    },
  },
  audit: { wantsBody: (a) => a.verb === 'create', record: (r) => audit.push(r) },
};

const server = await startTestServer({ security: () => security });
t.teardown(() => server.stop());

const call = (path: string, token?: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
const instances = '/apis/converge.io/v1alpha1/namespaces/default/instances';
const body = JSON.stringify({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Instance',
  metadata: { name: 'web' },
  spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 64 },
});

t.test('401, 403, 429 and the allowed path', async (t) => {
  const anonymous = await call(instances);
  t.equal(anonymous.status, 401);
  t.match(await anonymous.json(), { kind: 'Status', reason: 'Unauthorized', code: 401 });
  t.equal((await call(instances, 'mallory')).status, 401, 'unknown credentials');

  const denied = await call(instances, 'bob', { method: 'POST', body });
  t.equal(denied.status, 403);
  t.match(await denied.json(), {
    kind: 'Status',
    reason: 'Forbidden',
    message: 'instances.converge.io is forbidden: User "bob" cannot create resource "instances" in API group "converge.io" in the namespace "default"',
  });
  t.equal((await call(`${instances}/web`, 'alice')).status, 404, 'the denied create wrote nothing');

  const limited = await call(instances, 'noisy');
  t.equal(limited.status, 429);
  t.equal(limited.headers.get('retry-after'), '3');

  t.equal((await call(instances, 'alice', { method: 'POST', body })).status, 201);
  t.equal((await call(`${instances}/web`, 'bob')).status, 200, 'bob may read');
  t.equal((await call('/livez')).status, 200, 'health probes need no credentials');
  t.equal((await call('/version')).status, 401, 'everything else does');
});

t.test('every non-public request is audited once, with user, verb, code and the create body', async (t) => {
  const created = audit.filter((r) => r.attributes?.verb === 'create');
  t.equal(created.length, 2, 'the denied and the allowed create');
  t.match(created.map((r) => [r.user?.name, r.code]), [['bob', 403], ['alice', 201]]);
  t.match(created[1]?.requestBody, { metadata: { name: 'web' } }, 'body kept at level Request');
  t.equal(audit.filter((r) => r.path === '/livez').length, 0, 'probes are not audited');
  t.match(audit.find((r) => r.code === 429), { user: { name: 'noisy' }, attributes: { verb: 'list' } });
  t.equal(audit.filter((r) => r.code === 401).length, 3);
});
