/**
 * The real Bucket controller (in-process env) with a ProviderConfig of driver s3 pointing at a real MinIO and
 * a Secret holding its credentials: the bucket is created and Ready, out-of-band tag drift is corrected within
 * the poll interval, a non-empty bucket is not deleted, and kinds other than Bucket are refused.
 */
import t from 'tap';
import { GetBucketTaggingCommand, PutBucketTaggingCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bucketType, providerConfigType, secretType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { bucketExists, minioAdminClient, startMinio, type MinioHandle } from '../helpers/minio.js';
import { conditionOf, eventually, getOrUndefined, manifests, startEnv, waitReady, type ManagedEnv } from './helpers.js';

const minio: MinioHandle = await startMinio();
t.teardown(() => minio.stop());
const admin = minioAdminClient(minio);
t.teardown(() => admin.destroy());

async function withMinioProvider(env: ManagedEnv, options: { secretAccessKey?: string; endpoint?: string } = {}): Promise<void> {
  await env.client.create(secretType, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'minio-creds', namespace: 'default' },
    stringData: { accessKeyId: minio.rootUser, secretAccessKey: options.secretAccessKey ?? minio.rootPassword },
  } as KubeObject);
  await env.client.create(providerConfigType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'ProviderConfig',
    metadata: { name: 'minio' },
    spec: { driver: 's3', endpoint: options.endpoint ?? minio.endpoint, credentialsSecretRef: { namespace: 'default', name: 'minio-creds' } },
  });
}

async function tagsOf(bucket: string): Promise<Record<string, string>> {
  const out = await admin.send(new GetBucketTaggingCommand({ Bucket: bucket }));
  return Object.fromEntries((out.TagSet ?? []).map((x) => [x.Key ?? '', x.Value ?? '']));
}


t.test('a Bucket on MinIO becomes Ready; tag drift made out of band is detected and corrected', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withMinioProvider(env);
  await env.client.create(bucketType, manifests.bucket('photos', { providerRef: { name: 'minio' }, tags: { team: 'infra' }, pollInterval: '1s' }));
  const ready = await waitReady(env.client, bucketType, 'photos');
  const name = String(ready.status?.['externalName']);
  t.match(name, /^cb-[0-9a-f]{12}$/);
  t.equal(ready.status?.['endpoint'], `${minio.endpoint}/${name}`);
  t.equal(ready.status?.['region'], 'us-east-1');
  t.notMatch(conditionOf(ready, 'Ready')?.message ?? '', /simulated/, 'not labelled as simulated');
  t.same(await tagsOf(name), { team: 'infra' }, 'tags set on the real bucket');

  await admin.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: 'team', Value: 'rogue' }] } }));
  await eventually(async () => env.events.some((e) => e.name === 'photos' && e.reason === 'DriftCorrected'), 'DriftCorrected within the 1s poll', 15_000);
  t.match(env.events.find((e) => e.name === 'photos' && e.reason === 'DriftDetected'), { type: 'Warning', message: /spec\.tags/ });
  t.same(await tagsOf(name), { team: 'infra' }, 'corrected on the real bucket');
  // The DriftCorrected event is recorded before the status write that clears Drifted, so wait for that write.
  await eventually(async () => {
    const o = await env.client.get(bucketType, 'default', 'photos');
    return conditionOf(o, 'Drifted')?.status === 'False' && conditionOf(o, 'Ready')?.status === 'True';
  }, 'Drifted=False and Ready after the correction');
});

t.test('deleting a non-empty Bucket leaves Synced=False with what to do, and the bucket in place', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withMinioProvider(env);
  await env.client.create(bucketType, manifests.bucket('keep', { providerRef: { name: 'minio' }, versioning: false }));
  const ready = await waitReady(env.client, bucketType, 'keep');
  const name = String(ready.status?.['externalName']);
  for (const key of ['a', 'b', 'c']) await admin.send(new PutObjectCommand({ Bucket: name, Key: key, Body: key }));
  await env.client.delete(bucketType, 'default', 'keep');
  const stuck = await eventually(async () => {
    const o = await env.client.get(bucketType, 'default', 'keep');
    return conditionOf(o, 'Synced')?.status === 'False' ? o : undefined;
  }, 'Synced=False');
  t.equal(
    conditionOf(stuck, 'Synced')?.message,
    `bucket "${name}" is not empty (3 objects): empty it, or set spec.forceDelete: true to delete its objects too`,
  );
  t.ok(await bucketExists(admin, name), 'the bucket and its objects are still there');
  t.ok(await getOrUndefined(env.client, bucketType, 'default', 'keep'), 'the Bucket object waits behind its finalizer');

  // Setting forceDelete lets the deletion finish.
  await env.client.patch(bucketType, 'default', 'keep', { type: 'merge', body: { spec: { forceDelete: true } } });
  await eventually(async () => (await getOrUndefined(env.client, bucketType, 'default', 'keep')) === undefined, 'Bucket gone', 15_000);
  t.notOk(await bucketExists(admin, name), 'bucket deleted with its objects');
});

t.test('an s3 ProviderConfig serves Buckets only', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withMinioProvider(env);
  await env.client.create(volumeType, manifests.volume('disk', { providerRef: { name: 'minio' } }));
  const failing = await eventually(async () => {
    const o = await env.client.get(volumeType, 'default', 'disk');
    return conditionOf(o, 'Synced')?.status === 'False' ? o : undefined;
  }, 'Synced=False');
  t.equal(conditionOf(failing, 'Synced')?.message, 'driver s3 manages Buckets only: ProviderConfig "minio" cannot serve a Volume');
});

t.test('wrong credentials and an unreachable endpoint are one readable line in Synced', async (t) => {
  const cases = [
    { name: 'wrong secret key', options: { secretAccessKey: 'not-the-password' }, message: /was refused \(HTTP 403\): check the credentials in Secret default\/minio-creds/ },
    { name: 'nothing listening', options: { endpoint: 'http://127.0.0.1:1' }, message: /^S3 endpoint http:\/\/127\.0\.0\.1:1 is unreachable \(ECONNREFUSED during HeadBucket\)/ },
  ];
  for (const c of cases) {
    const env = await startEnv();
    await withMinioProvider(env, c.options);
    await env.client.create(bucketType, manifests.bucket('b', { providerRef: { name: 'minio' } }));
    const failing = await eventually(async () => {
      const o = await env.client.get(bucketType, 'default', 'b');
      return conditionOf(o, 'Synced')?.status === 'False' ? o : undefined;
    }, `${c.name}: Synced=False`);
    const message = conditionOf(failing, 'Synced')?.message ?? '';
    t.match(message, c.message, c.name);
    t.notMatch(message, /not-the-password|\n/, `${c.name}: one line, no secret`);
    await env.close();
  }
});
