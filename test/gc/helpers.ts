/**
 * Garbage-collector test environment: a real Converge server (same code path as `converge serve`, embedded
 * sqlite store, controllers and the collector running) with an in-process client for setup and assertions.
 */
import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import type { KubeObject, OwnerReference } from '../../schemas/object.js';
import { eventType, poolType, secretType } from '../../schemas/index.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import type { ApiClient } from '../../src/client/types.js';
import { eventually, getOrUndefined } from '../controllers/helpers.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export { eventually, getOrUndefined };

/** A running server and a client over its registry. */
export interface GcEnv {
  readonly server: TestServer;
  readonly client: ApiClient;
}

/** Starts a server with the controllers (and so the garbage collector) running. */
export async function startGcEnv(t: Test): Promise<GcEnv> {
  const server = await startTestServer({ controllers: true });
  t.teardown(() => server.stop());
  return { server, client: createInProcessClient({ registry: server.registry }) };
}

/** A Pool manifest (a plain pool: its controller adds no finalizer). */
export function pool(namespace: string, name: string): KubeObject {
  return { apiVersion: 'converge.io/v1alpha1', kind: 'Pool', metadata: { name, namespace }, spec: { cidrs: ['10.99.0.0/24'] } };
}

/** The owner reference naming `owner`. */
export function refTo(owner: KubeObject, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '', ...extra };
}

/** A Secret owned by `owners` (hand-written ownerReferences), optionally held by `finalizers`. */
export function ownedSecret(namespace: string, name: string, owners: readonly OwnerReference[], finalizers: readonly string[] = []): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, ownerReferences: [...owners], ...(finalizers.length > 0 ? { finalizers: [...finalizers] } : {}) },
    data: { k: Buffer.from(name).toString('base64') },
  } as KubeObject;
}

/** The Secret, or undefined when gone. */
export function secret(client: ApiClient, namespace: string, name: string): Promise<KubeObject | undefined> {
  return getOrUndefined(client, secretType, namespace, name);
}

/** Waits until the Secret is gone. */
export async function secretGone(client: ApiClient, namespace: string, name: string): Promise<void> {
  await eventually(async () => (await secret(client, namespace, name)) === undefined, `secret ${namespace}/${name} collected`, 15_000);
}

/**
 * Proves the collector has caught up: a fresh Pool owning a fresh Secret is deleted and the Secret waited
 * for. Checks that something was NOT collected run after this, so they cannot pass merely by being early.
 */
export async function collectorCaughtUp(client: ApiClient, namespace: string): Promise<void> {
  const id = randomUUID().slice(0, 8);
  const owner = await client.create(poolType, pool(namespace, `sentinel-${id}`));
  await client.create(secretType, ownedSecret(namespace, `sentinel-${id}`, [refTo(owner)]));
  await client.delete(poolType, namespace, owner.metadata.name);
  await secretGone(client, namespace, `sentinel-${id}`);
  // The sentinel may be handled by another worker than the object under test: give that one a moment too.
  await new Promise((resolve) => setTimeout(resolve, 300));
}

/** Reasons of the Events about object `name` in `namespace`. */
export async function eventReasons(client: ApiClient, namespace: string, name: string): Promise<string[]> {
  const { items } = await client.list(eventType, { namespace });
  return items.filter((e) => (e['involvedObject'] as { name?: string } | undefined)?.name === name).map((e) => String(e['reason']));
}
