/**
 * The s3 Bucket driver against a real MinIO: create/observe/update/delete, out-of-band changes seen as
 * diffs, lifecycle round trip, the non-empty delete guard and forceDelete, and readable credential and
 * endpoint errors.
 */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  DeleteObjectCommand,
} from '@aws-sdk/client-s3';
import type { KubeObject } from '../../schemas/object.js';
import { ConvergeError, ErrorCode, TerminalError, UnavailableError } from '../../src/errors/index.js';
import { bucketUrl, s3BucketConnector, S3ClientCache, s3Settings, S3_BUCKET_PREFIX } from '../../src/providers/s3/index.js';
import { simBucket } from '../../src/providers/sim/index.js';
import { providerCredentials, type ExternalClient } from '../../src/providers/types.js';
import { bucketExists, minioAdminClient, startMinio, type MinioHandle } from '../helpers/minio.js';

const minio: MinioHandle = await startMinio();
const cache = new S3ClientCache();
t.teardown(async () => {
  cache.close();
  await minio.stop();
});
const signal = new AbortController().signal;

/** An SDK client of our own, for out-of-band changes and checks. */
const admin = minioAdminClient(minio);
t.teardown(() => admin.destroy());

function providerConfig(options: { endpoint?: string } = {}): KubeObject {
  return {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'ProviderConfig',
    metadata: { name: 'minio' },
    spec: { driver: 's3', endpoint: options.endpoint ?? minio.endpoint, credentialsSecretRef: { namespace: 'default', name: 'minio-creds' } },
  };
}

function creds(values: Record<string, string>) {
  return providerCredentials({ namespace: 'default', name: 'minio-creds' }, values);
}

async function connect(values: Record<string, string> = { accessKeyId: minio.rootUser, secretAccessKey: minio.rootPassword }, endpoint?: string): Promise<ExternalClient> {
  return s3BucketConnector({ cache }).connect(providerConfig(endpoint !== undefined ? { endpoint } : {}), signal, creds(values));
}

let serial = 0;
function bucket(spec: Record<string, unknown>): KubeObject {
  serial++;
  const uid = randomUUID();
  return {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Bucket',
    metadata: { name: `b${serial}`, namespace: 'default', uid },
    spec: { providerRef: { name: 'minio' }, versioning: false, ...spec } as KubeObject['spec'],
  };
}

function nameOf(obj: KubeObject): string {
  return `cb-${(obj.metadata.uid ?? '').replace(/-/g, '').slice(0, 12)}`;
}

const exists = (name: string): Promise<boolean> => bucketExists(admin, name);

t.test('the s3 driver names buckets like the simulated one (switching driver never renames)', async (t) => {
  t.equal(S3_BUCKET_PREFIX, simBucket.prefix);
});

t.test('create with versioning and tags, then observe is up to date', async (t) => {
  const client = await connect();
  const obj = bucket({ versioning: true, tags: { team: 'infra', env: 'test' } });
  t.same(await client.observe(obj, signal), { exists: false, upToDate: false, diff: [] }, 'absent before create');
  const created = await client.create(obj, signal);
  t.equal(created.externalName, nameOf(obj));
  const obs = await client.observe(obj, signal);
  t.same(obs, { exists: true, upToDate: true, diff: [], observed: { endpoint: `${minio.endpoint}/${nameOf(obj)}`, region: 'us-east-1' } });
  const versioning = await admin.send(new GetBucketVersioningCommand({ Bucket: nameOf(obj) }));
  t.equal(versioning.Status, 'Enabled');
  const tags = await admin.send(new GetBucketTaggingCommand({ Bucket: nameOf(obj) }));
  t.same(Object.fromEntries((tags.TagSet ?? []).map((x) => [x.Key, x.Value])), { team: 'infra', env: 'test' });
  // A retried create (lost response) adopts the bucket it already owns.
  t.same(await client.create(obj, signal), { externalName: nameOf(obj) });
  t.equal((await client.observe(obj, signal)).upToDate, true);
});

t.test('tags changed out of band show as a spec.tags diff, and update puts them back', async (t) => {
  const client = await connect();
  const obj = bucket({ tags: { team: 'infra' } });
  await client.create(obj, signal);
  await admin.send(new PutBucketTaggingCommand({ Bucket: nameOf(obj), Tagging: { TagSet: [{ Key: 'team', Value: 'rogue' }, { Key: 'extra', Value: '1' }] } }));
  const drifted = await client.observe(obj, signal);
  t.equal(drifted.upToDate, false);
  t.same(drifted.diff, [{ path: 'spec.tags', desired: { team: 'infra' }, observed: { extra: '1', team: 'rogue' } }]);
  await client.update(obj, drifted.diff, signal);
  t.same((await client.observe(obj, signal)).diff, []);
  // Removing every tag from the spec removes them from the bucket.
  const untagged = { ...obj, spec: { ...obj.spec, tags: {} } };
  const diff = (await client.observe(untagged, signal)).diff;
  t.same(diff, [{ path: 'spec.tags', observed: { team: 'infra' } }]);
  await client.update(untagged, diff, signal);
  t.equal((await client.observe(untagged, signal)).upToDate, true);
  await t.rejects(admin.send(new GetBucketTaggingCommand({ Bucket: nameOf(obj) })), { name: 'NoSuchTagSet' }, 'no tag set left');
});

t.test('lifecycle rules round trip: added, changed, removed', async (t) => {
  const client = await connect();
  const obj = bucket({});
  await client.create(obj, signal);
  const steps: { name: string; lifecycle: unknown[] | undefined; rules: number }[] = [
    { name: 'add two rules', lifecycle: [{ id: 'logs', prefix: 'logs/', expirationDays: 7 }, { id: 'all', expirationDays: 365 }], rules: 2 },
    { name: 'change one', lifecycle: [{ id: 'logs', prefix: 'logs/', expirationDays: 30 }, { id: 'all', expirationDays: 365 }], rules: 2 },
    { name: 'remove all', lifecycle: undefined, rules: 0 },
  ];
  let current = obj;
  for (const step of steps) {
    const spec: Record<string, unknown> = { ...current.spec };
    if (step.lifecycle === undefined) delete spec['lifecycle'];
    else spec['lifecycle'] = step.lifecycle;
    current = { ...current, spec: spec as KubeObject['spec'] };
    const before = await client.observe(current, signal);
    t.same(before.diff.map((d) => d.path), ['spec.lifecycle'], `${step.name}: diff on spec.lifecycle`);
    await client.update(current, before.diff, signal);
    t.same((await client.observe(current, signal)).diff, [], `${step.name}: up to date after update`);
    if (step.rules === 0) {
      await t.rejects(admin.send(new GetBucketLifecycleConfigurationCommand({ Bucket: nameOf(obj) })), { name: 'NoSuchLifecycleConfiguration' });
    } else {
      const got = await admin.send(new GetBucketLifecycleConfigurationCommand({ Bucket: nameOf(obj) }));
      t.equal(got.Rules?.length, step.rules, `${step.name}: rules on the bucket`);
    }
  }
});

t.test('a lifecycle rule changed out of band (disabled, extra rule) is a spec.lifecycle diff that update undoes', async (t) => {
  const client = await connect();
  const obj = bucket({ lifecycle: [{ id: 'logs', prefix: 'logs/', expirationDays: 7 }] });
  await client.create(obj, signal);
  t.equal((await client.observe(obj, signal)).upToDate, true);
  await admin.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: nameOf(obj),
      LifecycleConfiguration: {
        Rules: [
          { ID: 'logs', Status: 'Disabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 7 } },
          { ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } },
        ],
      },
    }),
  );
  const obs = await client.observe(obj, signal);
  t.same(obs.diff, [
    {
      path: 'spec.lifecycle',
      desired: [{ id: 'logs', prefix: 'logs/', expirationDays: 7 }],
      observed: [
        { id: 'logs', prefix: 'logs/', expirationDays: 7, enabled: false },
        { id: 'tmp', prefix: 'tmp/', expirationDays: 1 },
      ],
    },
  ]);
  await client.update(obj, obs.diff, signal);
  t.equal((await client.observe(obj, signal)).upToDate, true);
});

t.test('settings: addressing style, bucket URL, bad options', async (t) => {
  const credentials = creds({ accessKeyId: 'k', secretAccessKey: 's' });
  const pc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'converge.io/v1alpha1', kind: 'ProviderConfig', metadata: { name: 'p' }, spec: { driver: 's3', ...spec } });
  const cases: { name: string; spec: Record<string, unknown>; pathStyle: boolean; region: string; url: string }[] = [
    { name: 'MinIO endpoint: path style', spec: { endpoint: 'http://127.0.0.1:9000/' }, pathStyle: true, region: 'us-east-1', url: 'http://127.0.0.1:9000/cb-x' },
    { name: 'AWS (no endpoint): virtual hosted', spec: { region: 'eu-west-3' }, pathStyle: false, region: 'eu-west-3', url: 'https://cb-x.s3.eu-west-3.amazonaws.com' },
    { name: 'amazonaws.com endpoint', spec: { endpoint: 'https://s3.eu-west-3.amazonaws.com' }, pathStyle: false, region: 'us-east-1', url: 'https://cb-x.s3.eu-west-3.amazonaws.com' },
    { name: 'forcePathStyle false', spec: { endpoint: 'https://rgw.lab:7480', options: { forcePathStyle: 'false' } }, pathStyle: false, region: 'us-east-1', url: 'https://cb-x.rgw.lab:7480' },
  ];
  for (const c of cases) {
    const settings = s3Settings(pc(c.spec), credentials);
    t.equal(settings.forcePathStyle, c.pathStyle, `${c.name}: forcePathStyle`);
    t.equal(settings.region, c.region, `${c.name}: region`);
    t.equal(bucketUrl(settings, 'cb-x'), c.url, `${c.name}: bucket URL`);
  }
  t.throws(() => s3Settings(pc({ endpoint: 'http://x', options: { forcePathStyle: 'yes' } }), credentials), new TerminalError('ProviderConfig "p": option forcePathStyle must be "true" or "false", got "yes"'));
  t.throws(() => s3Settings(pc({ endpoint: 'qemu:///system' }), credentials), { constructor: TerminalError, message: /spec\.endpoint must be an http:\/\/ or https:\/\/ URL/ });
});

t.test('turning versioning off suspends it', async (t) => {
  const client = await connect();
  const obj = bucket({ versioning: true });
  await client.create(obj, signal);
  const off = { ...obj, spec: { ...obj.spec, versioning: false } };
  const obs = await client.observe(off, signal);
  t.same(obs.diff, [{ path: 'spec.versioning', desired: false, observed: true }]);
  await client.update(off, obs.diff, signal);
  t.equal((await admin.send(new GetBucketVersioningCommand({ Bucket: nameOf(obj) }))).Status, 'Suspended');
  t.equal((await client.observe(off, signal)).upToDate, true);
});

t.test('deleting a non-empty bucket is refused with what to do; forceDelete empties and deletes it', async (t) => {
  const client = await connect();
  const obj = bucket({ versioning: true });
  const name = nameOf(obj);
  await client.create(obj, signal);
  for (const key of ['a', 'b', 'c']) await admin.send(new PutObjectCommand({ Bucket: name, Key: key, Body: key }));
  await t.rejects(client.delete(obj, signal), {
    constructor: UnavailableError,
    message: `bucket "${name}" is not empty (3 objects): empty it, or set spec.forceDelete: true to delete its objects too`,
  });
  t.equal(await exists(name), true, 'still there');
  // Overwrites and deletes leave older versions and delete markers, which also block a delete.
  await admin.send(new PutObjectCommand({ Bucket: name, Key: 'a', Body: 'a2' }));
  for (const key of ['a', 'b', 'c']) await admin.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
  await t.rejects(client.delete(obj, signal), { message: /is not empty \(0 objects and 7 older versions or delete markers\): empty it, or set spec\.forceDelete: true/ });
  t.equal(await exists(name), true, 'still there');

  const forced = { ...obj, spec: { ...obj.spec, forceDelete: true } };
  await client.delete(forced, signal);
  t.equal(await exists(name), false, 'gone with forceDelete');
  t.equal((await client.observe(forced, signal)).exists, false);
  await client.delete(forced, signal);
  t.pass('deleting a missing bucket succeeds');
});

t.test('an empty bucket is deleted without forceDelete', async (t) => {
  const client = await connect();
  const obj = bucket({});
  await client.create(obj, signal);
  await client.delete(obj, signal);
  t.equal(await exists(nameOf(obj)), false);
});

t.test('credentials from accessKey/secretKey are accepted too', async (t) => {
  const client = await connect({ accessKey: minio.rootUser, secretKey: minio.rootPassword });
  const obj = bucket({});
  await client.create(obj, signal);
  t.equal((await client.observe(obj, signal)).exists, true);
});

t.test('failures are readable errors naming what to fix, never a secret', async (t) => {
  const obj = bucket({ tags: { a: 'b' } });
  const cases: { name: string; values: Record<string, string>; endpoint?: string; code: string; message: RegExp }[] = [
    {
      name: 'wrong secret key',
      values: { accessKeyId: minio.rootUser, secretAccessKey: 'not-the-password' },
      code: ErrorCode.Forbidden,
      message: /was refused \((SignatureDoesNotMatch|HTTP 403)\): check the credentials in Secret default\/minio-creds \(keys accessKeyId and secretAccessKey\)/,
    },
    {
      name: 'unknown access key',
      values: { accessKeyId: 'nobody-here', secretAccessKey: 'whatever-secret' },
      code: ErrorCode.Forbidden,
      message: /was refused \((InvalidAccessKeyId|HTTP 403)\): check the credentials in Secret default\/minio-creds/,
    },
    {
      name: 'nothing listening',
      values: { accessKeyId: minio.rootUser, secretAccessKey: minio.rootPassword },
      endpoint: 'http://127.0.0.1:1',
      code: ErrorCode.Unavailable,
      message: /^S3 endpoint http:\/\/127\.0\.0\.1:1 is unreachable \(ECONNREFUSED during (HeadBucket|CreateBucket)\): check ProviderConfig "minio" spec\.endpoint/,
    },
  ];
  for (const c of cases) {
    const client = await connect(c.values, c.endpoint);
    for (const [verb, call] of [
      ['observe', () => client.observe(obj, signal)],
      ['create', () => client.create(obj, signal)],
    ] as const) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      t.ok(err instanceof ConvergeError, `${c.name} (${verb}): a Converge error`);
      if (!(err instanceof ConvergeError)) continue;
      t.equal(err.code, c.code, `${c.name} (${verb}): code`);
      t.match(err.message, c.message, `${c.name} (${verb}): message`);
      t.notMatch(err.message, /not-the-password|whatever-secret|converge-test-secret/, `${c.name} (${verb}): no secret in the message`);
      t.notMatch(err.message, /\n\s+at /, `${c.name} (${verb}): no stack`);
    }
  }
});

t.test('missing credentials are reported with the Secret and keys to add', async (t) => {
  const connector = s3BucketConnector({ cache });
  await t.rejects(connector.connect(providerConfig(), signal, creds({ accessKeyId: 'x' })), {
    constructor: UnavailableError,
    message: 'ProviderConfig "minio" credentials: Secret default/minio-creds has no key secretAccessKey or secretKey',
  });
  await t.rejects(connector.connect(providerConfig(), signal, undefined), {
    message: /ProviderConfig "minio" has no spec.credentialsSecretRef: driver s3 needs a Secret with keys accessKeyId and secretAccessKey/,
  });
});
