/**
 * The escalation check fails closed: when the request was authorized by something other than RBAC (here an
 * allow-all authorizer), a non-master's write of an RBAC object cannot be checked and is refused; masters and
 * in-process (trusted) callers still write.
 */
import t from 'tap';
import { roleType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { startTestServer } from '../helpers/server.js';
import { bearerUsers } from './rbac-helpers.js';

const server = await startTestServer({ security: () => ({ authenticator: bearerUsers, authorizer: { authorize: async () => ({ allowed: true, reason: 'test: allow all' }) } }) });
t.teardown(() => server.stop());
const role = (name: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] });
const post = (token: string, name: string) =>
  fetch(`${server.url}/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(role(name)),
  });

t.test('refused for users, allowed for masters and in-process code', async (t) => {
  const bob = await post('bob', 'by-bob');
  t.equal(bob.status, 403);
  t.match(await bob.json(), { message: /roles.rbac.authorization.k8s.io "by-bob" is forbidden: user "bob" .* cannot be checked for RBAC escalation/ });
  t.equal((await post('root:system:masters', 'by-root')).status, 201);
  const client = createInProcessClient({ registry: server.registry });
  t.ok(await client.create(roleType, { ...role('internal'), metadata: { name: 'internal', namespace: 'default' } } as unknown as KubeObject));
});
