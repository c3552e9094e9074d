/**
 * Credentials from a Secret: the connect step resolves `ProviderConfig.spec.credentialsSecretRef`, decodes the
 * Secret's data and hands it to the connector; a missing Secret or key leaves the object Synced=False with a
 * message naming them (never a value) until the Secret appears.
 */
import { inspect } from 'node:util';
import t from 'tap';
import { bucketType, providerConfigType, secretType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { isRetryable } from '../../src/errors/index.js';
import { createManagedReconciler, type ManagedKind } from '../../src/managed/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { connectorFunc, nopExternalClient, providerCredentials, type ExternalClient, type ProviderCredentials } from '../../src/providers/types.js';
import { conditionOf, eventually, startEnv } from '../controllers/helpers.js';
import { openEnv, type Env } from '../runtime/helpers.js';

const context = { logger: silentLogger(), reconcileID: 'test' };
const signal = new AbortController().signal;
const request = { namespace: 'default', name: 'b' };
const SECRET_NS = 'converge-system';

const external: ExternalClient = { ...nopExternalClient, observe: async () => ({ exists: true, upToDate: true, diff: [], observed: {} }) };

/** A kind whose connector records the credentials of every connect. */
function recordingKind(seen: (ProviderCredentials | undefined)[]): ManagedKind {
  const connector = connectorFunc(async (_pc, _signal, credentials) => {
    seen.push(credentials);
    return external;
  });
  return { type: bucketType, prefix: 'cb', connector, observedFields: [], statusFromObserved: () => ({}) };
}

function providerConfig(ref: Record<string, string> | undefined): KubeObject {
  return {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'ProviderConfig',
    metadata: { name: 's3' },
    spec: { driver: 'sim', ...(ref ? { credentialsSecretRef: ref } : {}) },
  };
}

function secret(stringData: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's3-creds', namespace: SECRET_NS }, stringData } as KubeObject;
}

async function setup(ref: Record<string, string> | undefined): Promise<Env> {
  const env = await openEnv();
  await env.client.create(providerConfigType, providerConfig(ref));
  await env.client.create(bucketType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Bucket',
    metadata: { name: 'b', namespace: 'default' },
    spec: { providerRef: { name: 's3' } },
  });
  return env;
}

async function synced(env: Env) {
  return conditionOf(await env.client.get(bucketType, 'default', 'b'), 'Synced');
}

t.test('connect passes the decoded Secret data as credentials', async (t) => {
  const env = await setup({ name: 's3-creds', namespace: SECRET_NS });
  t.teardown(() => env.close());
  await env.client.create(secretType, secret({ accessKeyId: 'AKIA1', secretAccessKey: 'wJalr/ü+x' }));
  const seen: (ProviderCredentials | undefined)[] = [];
  await createManagedReconciler({ client: env.client, kind: recordingKind(seen) })(request, signal, context);
  t.equal(seen.length, 1);
  t.same(seen[0]?.values, { accessKeyId: 'AKIA1', secretAccessKey: 'wJalr/ü+x' });
  t.same(seen[0]?.secretRef, { namespace: SECRET_NS, name: 's3-creds' });
  t.match(await synced(env), { status: 'True' });
});

t.test('with key set only that key is passed', async (t) => {
  const env = await setup({ name: 's3-creds', namespace: SECRET_NS, key: 'token' });
  t.teardown(() => env.close());
  await env.client.create(secretType, secret({ token: 't0k', other: 'not for you' }));
  const seen: (ProviderCredentials | undefined)[] = [];
  await createManagedReconciler({ client: env.client, kind: recordingKind(seen) })(request, signal, context);
  t.same(seen[0]?.values, { token: 't0k' });
});

t.test('a ProviderConfig without credentialsSecretRef connects with undefined credentials', async (t) => {
  const env = await setup(undefined);
  t.teardown(() => env.close());
  const seen: (ProviderCredentials | undefined)[] = [];
  await createManagedReconciler({ client: env.client, kind: recordingKind(seen) })(request, signal, context);
  t.same(seen, [undefined]);
});

const missing: { name: string; ref: Record<string, string>; before: KubeObject | undefined; message: string; fix: (env: Env) => Promise<unknown>; want: Record<string, string> }[] = [
  {
    name: 'a missing Secret',
    ref: { name: 's3-creds', namespace: SECRET_NS },
    before: undefined,
    message: 'ProviderConfig "s3" credentials: Secret converge-system/s3-creds not found',
    fix: (env: Env) => env.client.create(secretType, secret({ accessKeyId: 'AKIA2' })),
    want: { accessKeyId: 'AKIA2' },
  },
  {
    name: 'a missing key',
    ref: { name: 's3-creds', namespace: SECRET_NS, key: 'token' },
    before: secret({ other: 'sekrit-other' }),
    message: 'ProviderConfig "s3" credentials: Secret converge-system/s3-creds has no key "token"',
    fix: (env: Env) => env.client.patch(secretType, SECRET_NS, 's3-creds', { type: 'merge', body: { stringData: { token: 'late' } } }),
    want: { token: 'late' },
  },
];
for (const c of missing) {
  t.test(`${c.name} → Synced=False naming it (retryable); once fixed the object reconciles`, async (t) => {
    const env = await setup(c.ref);
    t.teardown(() => env.close());
    if (c.before) await env.client.create(secretType, c.before);
    const seen: (ProviderCredentials | undefined)[] = [];
    const reconcile = createManagedReconciler({ client: env.client, kind: recordingKind(seen) });
    const err: unknown = await reconcile(request, signal, context).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof Error && err.message === c.message, `rejects with: ${String(err)}`);
    t.ok(isRetryable(err), 'retried with backoff');
    t.match(await synced(env), { status: 'False', message: c.message });
    t.same(seen, [], 'the connector is not called without credentials');
    await c.fix(env);
    await reconcile(request, signal, context);
    t.same(seen[0]?.values, c.want);
    t.match(await synced(env), { status: 'True' });
  });
}

t.test('credentials never show their values when serialised or inspected', async (t) => {
  const creds = providerCredentials({ namespace: SECRET_NS, name: 's3-creds' }, { secretAccessKey: 'wJalrXUtnFEMI' });
  t.equal(creds.values['secretAccessKey'], 'wJalrXUtnFEMI', 'the connector can read them');
  t.notMatch(JSON.stringify(creds), /wJalrXUtnFEMI/);
  t.notMatch(JSON.stringify({ err: { creds } }), /wJalrXUtnFEMI/, 'nested, as a logger would serialise it');
  t.notMatch(inspect(creds, { depth: 5 }), /wJalrXUtnFEMI/);
  t.match(JSON.stringify(creds), /secretAccessKey/, 'key names stay visible');
});

t.test('the managed controllers pick up a Secret created after the object (real controllers, sim driver)', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await env.client.create(providerConfigType, providerConfig({ name: 's3-creds', namespace: SECRET_NS }));
  await env.client.create(bucketType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Bucket',
    metadata: { name: 'b', namespace: 'default' },
    spec: { providerRef: { name: 's3' } },
  });
  const waiting = await eventually(async () => {
    const c = conditionOf(await env.client.get(bucketType, 'default', 'b'), 'Synced');
    return c?.status === 'False' ? c : undefined;
  }, 'Synced=False while the Secret is missing');
  t.equal(waiting.message, 'ProviderConfig "s3" credentials: Secret converge-system/s3-creds not found');
  await env.client.create(secretType, secret({ accessKeyId: 'AKIA3' }));
  await eventually(async () => conditionOf(await env.client.get(bucketType, 'default', 'b'), 'Synced')?.status === 'True', 'Synced=True once the Secret exists');
  t.pass('reconciled');
});
