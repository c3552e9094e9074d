/**
 * ExternalClient conformance, run against every sim kind: observe reports, create adopts, update converges,
 * delete is idempotent. Plus the simulated cloud's own knobs (failures, latency, drift injection).
 */
import t from 'tap';
import type { KubeObject } from '../../schemas/object.js';
import { isRetryable, UnavailableError } from '../../src/errors/index.js';
import { SimCloud, SimKind, SimOperation, simBucket, simClient, simInstance, simNetwork, simVolume, type SimKindSpec } from '../../src/providers/sim/index.js';
import { derivedExternalName, EXTERNAL_NAME_ANNOTATION, externalNameOf, nopConnector } from '../../src/providers/types.js';

const signal = new AbortController().signal;
const uid = '0123abcd-4567-89ef-0123-456789abcdef';

function object(kind: string, spec: Record<string, unknown>, name = 'x'): KubeObject {
  return { apiVersion: 'converge.io/v1alpha1', kind, metadata: { name, namespace: 'default', uid, generation: 1 }, spec: spec as KubeObject['spec'] };
}

const cases: { spec: SimKindSpec; obj: KubeObject; drift: Record<string, unknown>; path: string }[] = [
  { spec: simVolume, obj: object('Volume', { sizeGiB: 10, format: 'qcow2', storagePool: 'default' }), drift: { sizeGiB: 20 }, path: 'spec.sizeGiB' },
  { spec: simBucket, obj: object('Bucket', { versioning: false, tags: { a: 'b' } }), drift: { tags: { a: 'c' } }, path: 'spec.tags' },
  { spec: simNetwork, obj: object('Network', { cidr: '10.0.0.0/24', dhcp: { enabled: true } }), drift: { vlan: 7 }, path: 'spec.vlan' },
  { spec: simInstance, obj: object('Instance', { image: 'debian-12', vcpus: 2, memoryMiB: 512, runStrategy: 'Always' }), drift: { memoryMiB: 64 }, path: 'spec.memoryMiB' },
];

for (const c of cases) {
  t.test(`${c.spec.kind}: ExternalClient contract`, async (t) => {
    const cloud = new SimCloud('test');
    const client = simClient(c.spec, cloud);
    const name = derivedExternalName(c.spec.prefix, uid);
    t.equal(name, `${c.spec.prefix}-0123abcd4567`);

    t.match(await client.observe(c.obj, signal), { exists: false, diff: [] }, 'missing before create');
    t.same(await client.create(c.obj, signal), { externalName: name });
    t.same(await client.create(c.obj, signal), { externalName: name }, 'a repeated create adopts');
    t.same(cloud.names(c.spec.kind), [name], 'no duplicate');
    t.match(await client.observe(c.obj, signal), { exists: true, upToDate: true, diff: [] });

    t.ok(cloud.mutate(c.spec.kind, name, c.drift));
    const drifted = await client.observe(c.obj, signal);
    t.equal(drifted.upToDate, false);
    t.same(drifted.diff.map((d) => d.path), [c.path]);
    await client.update(c.obj, drifted.diff, signal);
    t.match(await client.observe(c.obj, signal), { upToDate: true }, 'update converges');

    await client.delete(c.obj, signal);
    await client.delete(c.obj, signal);
    t.match(await client.observe(c.obj, signal), { exists: false }, 'delete is idempotent');
  });
}

t.test('instance addresses come from the simulated network; volumes attach and detach', async (t) => {
  const cloud = new SimCloud('test');
  const net = { ...object('Network', { cidr: '192.168.5.0/24' }, 'lan'), metadata: { name: 'lan', namespace: 'default', uid: 'aaaa' } };
  const vol = { ...object('Volume', { sizeGiB: 1 }, 'root'), metadata: { name: 'root', namespace: 'default', uid: 'bbbb' } };
  const inst = object('Instance', {
    image: 'img', vcpus: 1, memoryMiB: 256, runStrategy: 'Halted',
    networks: [{ networkRef: { name: 'lan' } }, { networkRef: { name: 'lan' }, address: '192.168.5.77' }],
    volumes: [{ volumeRef: { name: 'root' } }],
  }, 'vm');
  await t.rejects(simClient(simInstance, cloud).create(inst, signal), /network "lan" does not exist/);
  await simClient(simNetwork, cloud).create(net, signal);
  await simClient(simVolume, cloud).create(vol, signal);
  await simClient(simInstance, cloud).create(inst, signal);
  const observed = await simClient(simInstance, cloud).observe(inst, signal);
  t.match(observed.observed, { addresses: ['192.168.5.128', '192.168.5.77'], powerState: 'Stopped', phase: 'Stopped' }, 'DHCP leases from the upper half, as on libvirt');
  t.match((await simClient(simVolume, cloud).observe(vol, signal)).observed, { attachedTo: 'vm' });
  await simClient(simInstance, cloud).delete(inst, signal);
  t.equal((await simClient(simVolume, cloud).observe(vol, signal)).observed?.['attachedTo'], undefined, 'detached on delete');
  t.match((await simClient(simNetwork, cloud).observe(net, signal)).observed, { gateway: '192.168.5.1', cidr: '192.168.5.0/24' });
});

/** An Instance object named `name` (its own uid) with the given interfaces. */
function instanceWith(name: string, networks: Record<string, unknown>[]): KubeObject {
  const obj = object('Instance', { image: 'img', vcpus: 1, memoryMiB: 64, networks }, name);
  return { ...obj, metadata: { ...obj.metadata, uid: `uid-${name}` } };
}

async function simNet(cloud: SimCloud, name: string, spec: Record<string, unknown>): Promise<void> {
  const net = object('Network', spec, name);
  await simClient(simNetwork, cloud).create({ ...net, metadata: { ...net.metadata, uid: `uid-${name}` } }, signal);
}

async function addressesOf(cloud: SimCloud, inst: KubeObject): Promise<unknown> {
  return (await simClient(simInstance, cloud).observe(inst, signal)).observed?.['addresses'];
}

t.test('simulated DHCP never hands out an address in use; a fixed address in use is refused', async (t) => {
  const cloud = new SimCloud('test');
  const instances = simClient(simInstance, cloud);
  await simNet(cloud, 'lan', { cidr: '10.1.0.0/29' });
  const lan = (address?: string) => ({ networkRef: { name: 'lan' }, ...(address !== undefined ? { address } : {}) });

  // DHCP serves the upper half of 10.1.0.0/29 without the broadcast address: .4 to .6.
  await instances.create(instanceWith('fixed', [lan('10.1.0.4')]), signal);
  const a = instanceWith('a', [lan()]);
  await instances.create(a, signal);
  t.same(await addressesOf(cloud, a), ['10.1.0.5'], 'DHCP skips the fixed .4');

  const b = instanceWith('b', [lan(), lan()]);
  await t.rejects(instances.create(b, signal), {
    name: 'UnavailableError',
    message: 'network "lan" has no free address in its DHCP range 10.1.0.4-10.1.0.6 (simulated)',
  }, 'two interfaces need two leases; only .6 is left');
  t.equal(cloud.names(SimKind.Instance).length, 2, 'the refused instance was not created');

  const c = instanceWith('c', [lan('10.1.0.5')]);
  await t.rejects(instances.create(c, signal), {
    name: 'UnavailableError',
    message: 'address 10.1.0.5 on network "lan" is in use by instance default/a (simulated)',
  }, 'a fixed (or Pool-allocated) address another instance holds is refused, naming the holder');
  await instances.delete(a, signal);
  await instances.create(c, signal);
  t.same(await addressesOf(cloud, c), ['10.1.0.5'], 'free again once the holder is gone');
  t.same(await instances.create(c, signal), { externalName: derivedExternalName('ci', 'uid-c') }, 'a repeated create adopts: its own address is no conflict');

});

t.test('simulated DHCP follows the network: its range, DHCP off, IPv6', async (t) => {
  const cloud = new SimCloud('test');
  const instances = simClient(simInstance, cloud);
  await simNet(cloud, 'ranged', { cidr: '10.2.0.0/24', dhcp: { range: { start: '10.2.0.10', end: '10.2.0.11' } } });
  await simNet(cloud, 'static', { cidr: '10.3.0.0/24', dhcp: { enabled: false } });
  await simNet(cloud, 'v6', { cidr: 'fd00:1::/64' });
  const inst = instanceWith('multi', [{ networkRef: { name: 'ranged' } }, { networkRef: { name: 'static' } }, { networkRef: { name: 'v6' } }]);
  await instances.create(inst, signal);
  t.same(await addressesOf(cloud, inst), ['10.2.0.10', 'fd00:1:0:0:8000::'], 'the spec\'s range; none where DHCP is off; the upper half of an IPv6 /64');
});

t.test('failure injection: scripted before/after, random rate; latency', async (t) => {
  let roll = 0.5;
  const cloud = new SimCloud('test', { random: () => roll });
  cloud.failNext({ operation: SimOperation.Create, count: 2 });
  await t.rejects(cloud.create(SimKind.Bucket, 'b', {}), UnavailableError);
  await t.rejects(cloud.create(SimKind.Bucket, 'b', {}), UnavailableError);
  t.same(cloud.names(SimKind.Bucket), [], 'before-failures do not act');
  cloud.failNext({ operation: SimOperation.Create, kind: SimKind.Bucket, when: 'after' });
  const lost = await cloud.create(SimKind.Bucket, 'b', {}).catch((err: unknown) => err);
  t.ok(lost instanceof UnavailableError && isRetryable(lost), 'simulated failures are retryable');
  t.same(cloud.names(SimKind.Bucket), ['b'], 'after-failures act, then fail');
  cloud.configure({ failureRate: 0.3 });
  await t.resolves(cloud.get(SimKind.Bucket, 'b'), 'roll 0.5 >= rate 0.3 passes');
  roll = 0.1;
  await t.rejects(cloud.get(SimKind.Bucket, 'b'), /simulated random get failure/);
  cloud.configure({ failureRate: 0, latencyMs: 30 });
  const started = Date.now();
  await cloud.get(SimKind.Bucket, 'b');
  t.ok(Date.now() - started >= 25, 'latency applies');
  t.equal(cloud.remove(SimKind.Bucket, 'b'), true);
  t.equal(cloud.mutate(SimKind.Bucket, 'b', {}), false, 'mutating a missing resource reports false');
});

t.test('external names: annotation, then status, then derived from uid', async (t) => {
  const base = object('Volume', {});
  t.equal(externalNameOf(base, 'cv'), 'cv-0123abcd4567');
  t.equal(externalNameOf({ ...base, status: { externalName: 'disk-1' } }, 'cv'), 'disk-1');
  t.equal(externalNameOf({ ...base, metadata: { ...base.metadata, annotations: { [EXTERNAL_NAME_ANNOTATION]: 'legacy' } }, status: { externalName: 'disk-1' } }, 'cv'), 'legacy');
});

t.test('the do-nothing connector finds nothing and accepts everything', async (t) => {
  const client = await nopConnector.connect(object('ProviderConfig', {}), signal);
  t.match(await client.observe(object('Volume', {}), signal), { exists: false });
  t.same(await client.create(object('Volume', {}, 'v'), signal), { externalName: 'v' });
});
