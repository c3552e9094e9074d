/**
 * The namespace lifecycle with the controllers running (same code path as `converge serve`): the built-in
 * namespaces exist and are Active; deleting a namespace deletes its content — managed resources on the sim
 * driver go through their own finalizers (external resources deleted first) — while the Namespace says in
 * its conditions and events what it waits for, and the Namespace goes once nothing is left.
 */
import t from 'tap';
import { eventType, instanceType, namespaceType, secretType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { conditionOf, eventually, getOrUndefined, manifests, waitReady } from '../controllers/helpers.js';
import { request } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';

const server = await startTestServer({ controllers: true });
t.teardown(() => server.stop());
const client = createInProcessClient({ registry: server.registry });
const HOLD = 'test.converge.io/hold';

t.test('built-in namespaces exist after start', async (t) => {
  for (const name of ['default', 'converge-system']) {
    const ns = await client.get(namespaceType, undefined, name);
    t.match(ns, { status: { phase: 'Active' }, spec: { finalizers: ['kubernetes'] } }, name);
  }
});

t.test('deleting a namespace deletes its content, reports what remains, then goes', async (t) => {
  const NS = 'team-b';
  await client.create(namespaceType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const inNs = (obj: KubeObject): KubeObject => ({ ...obj, metadata: { ...obj.metadata, namespace: NS } });
  await client.create(volumeType, inNs(manifests.volume('data')));
  await client.create(instanceType, inNs(manifests.instance('web')));
  // A Secret held by a finalizer nobody removes until the test does: the namespace must wait for it.
  await client.create(secretType, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: NS, finalizers: [HOLD] }, data: { k: 'dg==' } } as KubeObject);
  const volume = await waitReady(client, volumeType, 'data', NS);
  const instance = await waitReady(client, instanceType, 'web', NS);
  t.ok((volume.metadata.finalizers ?? []).length > 0, 'the Volume carries its controller finalizer');
  t.ok((instance.metadata.finalizers ?? []).length > 0, 'the Instance carries its controller finalizer');

  const deleted = await request(server.url, `/api/v1/namespaces/${NS}`, { method: 'DELETE' });
  t.equal(deleted.status, 202, deleted.text);
  t.match(deleted.body, { status: { phase: 'Terminating' } });

  const blocked = await eventually(async () => {
    const ns = await client.get(namespaceType, undefined, NS);
    const content = conditionOf(ns, 'NamespaceContentRemaining');
    const vol = await getOrUndefined(client, volumeType, NS, 'data');
    const inst = await getOrUndefined(client, instanceType, NS, 'web');
    return vol === undefined && inst === undefined && content?.message === 'Some resources are remaining: secrets has 1 resource instances' ? ns : undefined;
  }, 'managed resources deleted and the held Secret reported', 30_000);
  t.match(conditionOf(blocked, 'NamespaceContentRemaining'), { status: 'True', reason: 'SomeResourcesRemain' });
  t.match(conditionOf(blocked, 'NamespaceFinalizersRemaining'), {
    status: 'True',
    reason: 'SomeFinalizersRemain',
    message: `Some content in the namespace has finalizers remaining: ${HOLD} in 1 resource instances`,
  });
  t.match(blocked, { status: { phase: 'Terminating' }, spec: { finalizers: ['kubernetes'] } });
  const secret = await client.get(secretType, NS, 'creds');
  t.ok(secret.metadata.deletionTimestamp, 'the Secret was deleted and waits for its finalizer');

  const refused = await request(server.url, `/apis/converge.io/v1alpha1/namespaces/${NS}/volumes`, { method: 'POST', json: inNs(manifests.volume('late')) });
  t.equal(refused.status, 403, refused.text);
  t.equal(refused.body['message'], `volumes.converge.io "late" is forbidden: unable to create new content in namespace ${NS} because it is being terminated`);

  const event = await eventually(async () => {
    const events = await client.list(eventType, { namespace: 'default' });
    const about = events.items.filter((e) => (e['involvedObject'] as { kind?: string; name?: string }).kind === 'Namespace' && (e['involvedObject'] as { name?: string }).name === NS);
    // One event per distinct message: the last one names only what is still left.
    return about.find((e) => e['message'] === `waiting for 1 secrets to be deleted (finalizers: ${HOLD})`);
  }, 'an event saying what the namespace waits for', 15_000);
  t.equal(event['reason'], 'NamespaceContentRemaining');

  await client.patch(secretType, NS, 'creds', { type: 'merge', body: { metadata: { finalizers: null } } });
  await eventually(async () => (await getOrUndefined(client, namespaceType, undefined, NS)) === undefined, 'namespace removed', 15_000);
  t.equal(await getOrUndefined(client, secretType, NS, 'creds'), undefined, 'the Secret is gone');
  t.same((await client.list(volumeType, { namespace: NS })).items, [], 'no Volume left');
  t.same((await client.list(instanceType, { namespace: NS })).items, [], 'no Instance left');
});

t.test('an empty namespace is removed promptly', async (t) => {
  await client.create(namespaceType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty' } });
  await client.delete(namespaceType, undefined, 'empty');
  await eventually(async () => (await getOrUndefined(client, namespaceType, undefined, 'empty')) === undefined, 'empty namespace removed', 10_000);
  t.pass('removed');
});
