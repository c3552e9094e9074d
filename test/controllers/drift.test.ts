import t from 'tap';
import { bucketType, instanceType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { SimKind } from '../../src/providers/sim/index.js';
import { conditionOf, eventually, manifests, poke, startEnv, waitReady } from './helpers.js';

async function driftCount(registry: import('prom-client').Registry): Promise<number> {
  const metric = await registry.getSingleMetric('converge_drift_detected_total')?.get();
  return (metric?.values ?? []).filter((v) => v.labels['kind'] === 'Instance').reduce((n, v) => n + v.value, 0);
}

t.test('out-of-band change with driftPolicy Correct is detected, reported and corrected', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  await client.create(instanceType, manifests.instance('fix'));
  const obj = await waitReady(client, instanceType, 'fix');
  const name = String(obj.status?.['externalName']);
  const seen: KubeObject[] = [];
  const stopWatch = new AbortController();
  const watching = (async () => {
    const stream = client.watch(instanceType, { namespace: 'default', resourceVersion: obj.metadata.resourceVersion ?? '0', signal: stopWatch.signal });
    for await (const event of stream) seen.push(event.object);
  })().catch(() => undefined);
  t.ok(clouds.get('default').mutate(SimKind.Instance, name, { vcpus: 16 }));
  await poke(client, instanceType, 'fix');
  await eventually(async () => env.events.some((e) => e.name === 'fix' && e.reason === 'DriftCorrected'), 'DriftCorrected event');
  const detected = env.events.find((e) => e.name === 'fix' && e.reason === 'DriftDetected');
  t.match(detected, { type: 'Warning', message: /spec\.vcpus: want 2, found 16/ });
  t.equal(clouds.get('default').peek(SimKind.Instance, name)?.['vcpus'], 2, 'corrected in the sim');
  t.equal(await driftCount(env.registry), 1, 'converge_drift_detected_total counted once');
  // The DriftCorrected event is recorded before the status write that clears Drifted, so wait for that write.
  const after = await eventually(async () => {
    const o = await client.get(instanceType, 'default', 'fix');
    return conditionOf(o, 'Drifted')?.status === 'False' && conditionOf(o, 'Ready')?.status === 'True' ? o : undefined;
  }, 'Drifted=False and Ready after the correction');
  stopWatch.abort();
  await watching;
  const recorded = seen.find((o) => conditionOf(o, 'Drifted')?.status === 'True');
  t.match(recorded?.status?.['drift'], [{ path: 'spec.vcpus', desired: 2, observed: 16 }], 'drift was on record before it was corrected');
  t.equal(after.status?.['drift'], undefined);
  t.ok((await env.journal.list('Instance', 'default', 'fix')).some((e) => e.action === 'Update' && e.summary === 'set spec.vcpus'));
});

t.test('Report keeps drift in status; a per-field override wins over the policy', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  // Correct everything except memory, which is only reported.
  await client.create(
    instanceType,
    manifests.instance('mixed', { driftPolicy: 'Correct', driftOverrides: [{ path: 'spec.memoryMiB', policy: 'Report' }] }),
  );
  const obj = await waitReady(client, instanceType, 'mixed');
  const name = String(obj.status?.['externalName']);
  clouds.get('default').mutate(SimKind.Instance, name, { vcpus: 9, memoryMiB: 4096 });
  await poke(client, instanceType, 'mixed');
  const drifted = await eventually(async () => {
    const o = await client.get(instanceType, 'default', 'mixed');
    return conditionOf(o, 'Drifted')?.status === 'True' ? o : undefined;
  }, 'Drifted=True');
  t.match(drifted.status?.['drift'], [{ path: 'spec.memoryMiB', desired: 1024, observed: 4096 }]);
  t.equal((drifted.status?.['drift'] as unknown[]).length, 1, 'vcpus drift was corrected, not kept');
  t.match(conditionOf(drifted, 'Drifted')?.message, /spec\.memoryMiB/);
  const sim = clouds.get('default').peek(SimKind.Instance, name);
  t.match(sim, { vcpus: 2, memoryMiB: 4096 });

  const firstSeen = (drifted.status?.['drift'] as { firstSeen: string }[])[0]?.firstSeen;
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await poke(client, instanceType, 'mixed');
  const later = await eventually(async () => {
    const o = await client.get(instanceType, 'default', 'mixed');
    const entry = (o.status?.['drift'] as { firstSeen: string; lastSeen: string }[] | undefined)?.[0];
    return entry !== undefined && entry.lastSeen !== firstSeen ? entry : undefined;
  }, 'lastSeen moves');
  t.equal(later.firstSeen, firstSeen, 'firstSeen kept across reconciles');
  t.equal(env.events.filter((e) => e.name === 'mixed' && e.reason === 'DriftDetected').length, 1, 'no repeated DriftDetected for the same drift');
});

t.test('driftPolicy Ignore leaves out-of-band changes alone', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  await client.create(volumeType, manifests.volume('loose', { driftPolicy: 'Ignore' }));
  const obj = await waitReady(client, volumeType, 'loose');
  const name = String(obj.status?.['externalName']);
  clouds.get('default').mutate(SimKind.Volume, name, { sizeGiB: 50 });
  await poke(client, volumeType, 'loose');
  await eventually(async () => (clouds.get('default').calls.get('get:Volume') ?? 0) >= 3, 'observed again');
  const after = await waitReady(client, volumeType, 'loose');
  t.equal(conditionOf(after, 'Drifted')?.status, 'False');
  t.equal(clouds.get('default').peek(SimKind.Volume, name)?.['sizeGiB'], 50);
  t.notOk(env.events.some((e) => e.reason === 'DriftDetected'));
});

t.test('out-of-band deletion: Correct recreates, Report reports exists=false', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  const cloud = clouds.get('default');
  await client.create(instanceType, manifests.instance('phoenix'));
  await client.create(instanceType, manifests.instance('witness', { driftPolicy: 'Report' }));
  const phoenix = String((await waitReady(client, instanceType, 'phoenix')).status?.['externalName']);
  const witness = String((await waitReady(client, instanceType, 'witness')).status?.['externalName']);
  t.ok(cloud.remove(SimKind.Instance, phoenix));
  t.ok(cloud.remove(SimKind.Instance, witness));
  await poke(client, instanceType, 'phoenix');
  await poke(client, instanceType, 'witness');
  await eventually(async () => cloud.peek(SimKind.Instance, phoenix) !== undefined, 'phoenix recreated');
  t.ok(env.events.some((e) => e.name === 'phoenix' && e.reason === 'DriftCorrected'));
  const reported = await eventually(async () => {
    const o = await client.get(instanceType, 'default', 'witness');
    return conditionOf(o, 'Drifted')?.status === 'True' ? o : undefined;
  }, 'witness drift');
  t.match(reported.status?.['drift'], [{ path: 'exists', desired: true, observed: false }]);
  t.equal(conditionOf(reported, 'Ready')?.status, 'False');
  t.match(conditionOf(reported, 'Ready')?.message, /deleted out of band/);
  t.equal(cloud.peek(SimKind.Instance, witness), undefined, 'Report does not recreate');
});

t.test('pollInterval drives re-observation; an unchanged resource causes no status write', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  const cloud = clouds.get('default');
  await client.create(bucketType, manifests.bucket('polled', { pollInterval: '1s', driftPolicy: 'Report' }));
  const obj = await waitReady(client, bucketType, 'polled');
  const gets = cloud.calls.get('get:Bucket') ?? 0;
  await eventually(async () => (cloud.calls.get('get:Bucket') ?? 0) > gets, 'a poll', 3000);
  const polled = await client.get(bucketType, 'default', 'polled');
  t.equal(polled.metadata.resourceVersion, obj.metadata.resourceVersion, 'nothing changed, nothing written');
  cloud.mutate(SimKind.Bucket, String(obj.status?.['externalName']), { versioning: false });
  const drifted = await eventually(async () => {
    const o = await client.get(bucketType, 'default', 'polled');
    return conditionOf(o, 'Drifted')?.status === 'True' ? o : undefined;
  }, 'drift found by polling alone', 3000);
  t.match(drifted.status?.['drift'], [{ path: 'spec.versioning', desired: true, observed: false }]);
});
