/**
 * Managed-controller test environment: a memory store, the in-process client, the four managed controllers
 * over a fresh simulated cloud, a recorder that keeps events, a prom-client registry and fast retries.
 */
import { setMaxListeners } from 'node:events';
import { Registry } from 'prom-client';
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { createManagedControllers, ensureDefaultProviderConfig } from '../../controllers/index.js';
import type { ApiClient } from '../../src/client/types.js';
import { isNotFound } from '../../src/errors/index.js';
import type { MemoryJournal } from '../../src/managed/index.js';
import { MemoryJournal as Journal } from '../../src/managed/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { SimClouds } from '../../src/providers/sim/index.js';
import { exponentialFailureRateLimiter, type EventRecorder } from '../../src/runtime/index.js';
import { openEnv } from '../runtime/helpers.js';

/** One recorded event. */
export interface SeenEvent {
  readonly name: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

/** A running environment; {@link ManagedEnv.close} stops everything. */
export interface ManagedEnv {
  readonly client: ApiClient;
  readonly clouds: SimClouds;
  readonly journal: MemoryJournal;
  readonly registry: Registry;
  readonly events: SeenEvent[];
  close(): Promise<void>;
}

/** Starts the controllers over a fresh memory store; `withDefaultProvider` (default true) creates `default`. */
export async function startEnv(options: { withDefaultProvider?: boolean } = {}): Promise<ManagedEnv> {
  const env = await openEnv();
  if (options.withDefaultProvider ?? true) await ensureDefaultProviderConfig(env.client);
  const events: SeenEvent[] = [];
  const recorder: EventRecorder = {
    event: (obj, type, reason, message) => events.push({ name: obj.metadata.name, type, reason, message }),
  };
  const registry = new Registry();
  const clouds = new SimClouds();
  const journal = new Journal();
  const built = createManagedControllers({
    client: env.client,
    logger: silentLogger(),
    recorder,
    metrics: registry,
    clouds,
    journal,
    rateLimiter: exponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 100 }),
  });
  const stop = new AbortController();
  // Four controllers and their informers all listen on one signal.
  setMaxListeners(100, stop.signal);
  const running = [built.informers.start(stop.signal), ...built.controllers.map((c) => c.start(stop.signal))];
  return {
    client: env.client,
    clouds,
    journal,
    registry,
    events,
    async close() {
      stop.abort();
      await Promise.all(running);
      await env.close();
    },
  };
}

/** Polls `check` until it yields a value other than undefined/false; fails with `what` after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The condition `type` of `obj`. */
export function conditionOf(obj: KubeObject, type: string): { status: string; reason?: string; message?: string; observedGeneration?: number } | undefined {
  const list = obj.status?.['conditions'];
  if (!Array.isArray(list)) return undefined;
  const found = list.find((c) => c !== null && typeof c === 'object' && !Array.isArray(c) && c['type'] === type);
  return found as { status: string; reason?: string; message?: string; observedGeneration?: number } | undefined;
}

/** The object, or undefined when it is gone. */
export async function getOrUndefined(client: ApiClient, type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(type, namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Waits until `name` has Ready=True and Synced=True for its current generation; returns it. */
export async function waitReady(client: ApiClient, type: ResourceType, name: string, namespace = 'default'): Promise<KubeObject> {
  return eventually(async () => {
    const obj = await client.get(type, namespace, name);
    const gen = obj.metadata.generation;
    const readyC = conditionOf(obj, 'Ready');
    const syncedC = conditionOf(obj, 'Synced');
    return readyC?.status === 'True' && syncedC?.status === 'True' && obj.status?.['observedGeneration'] === gen ? obj : undefined;
  }, `${type.kind} ${name} Ready`);
}

/** Touches an annotation so the controller reconciles now (metadata changes do not bump generation). */
export async function poke(client: ApiClient, type: ResourceType, name: string, namespace = 'default'): Promise<void> {
  await client.patch(type, namespace, name, { type: 'merge', body: { metadata: { annotations: { 'test/poke': String(Date.now() + Math.random()) } } } });
}

/** Manifest helpers. */
export const manifests = {
  network: (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Network',
    metadata: { name, namespace: 'default' },
    spec: { providerRef: { name: 'default' }, cidr: '10.20.0.0/24', ...spec } as KubeObject['spec'],
  }),
  volume: (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Volume',
    metadata: { name, namespace: 'default' },
    spec: { providerRef: { name: 'default' }, sizeGiB: 10, ...spec } as KubeObject['spec'],
  }),
  bucket: (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Bucket',
    metadata: { name, namespace: 'default' },
    spec: { providerRef: { name: 'default' }, versioning: true, tags: { team: 'infra' }, ...spec } as KubeObject['spec'],
  }),
  instance: (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Instance',
    metadata: { name, namespace: 'default' },
    spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 2, memoryMiB: 1024, ...spec } as KubeObject['spec'],
  }),
};
