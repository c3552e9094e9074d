/**
 * The real Instance, Volume and Network controllers (in-process env) with a ProviderConfig of driver libvirt
 * on the host's real libvirtd: a Network, a copy-on-write Volume and an Instance become a running domain with
 * the volume attached and the NIC on the network (checked with virsh); out-of-band changes made with virsh are
 * drift, corrected or reported per policy; deletion removes domain, volume and network in order, and
 * `deletionPolicy: Orphan` leaves them.
 */
import { writeFileSync } from 'node:fs';
import t from 'tap';
import { instanceType, networkType, poolType, providerConfigType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { libvirtSandbox, LIBVIRT_URI, virsh, type LibvirtSandbox } from '../helpers/libvirt.js';
import { conditionOf, eventually, getOrUndefined, manifests, startEnv, waitReady, type ManagedEnv } from './helpers.js';

const sandbox: LibvirtSandbox = await libvirtSandbox();
t.teardown(() => sandbox.cleanup());

async function withLibvirtProvider(env: ManagedEnv): Promise<void> {
  await env.client.create(providerConfigType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'ProviderConfig',
    metadata: { name: 'kvm' },
    spec: { driver: 'libvirt', endpoint: LIBVIRT_URI, options: { imagePool: sandbox.pool, shutdownTimeoutSeconds: '0', forwardMode: 'isolated' } },
  });
}

const on = { providerRef: { name: 'kvm' } };
const statusOf = (o: KubeObject, key: string) => String(o.status?.[key] ?? '');

/** Applies Network + Volume + Instance named `prefix-*`; resolves with the three Ready objects. */
async function applyStack(env: ManagedEnv, prefix: string, instance: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  await env.client.create(networkType, manifests.network(`${prefix}-net`, { ...on, cidr: sandbox.nextCidr(), ...extra }));
  await env.client.create(volumeType, manifests.volume(`${prefix}-disk`, { ...on, sizeGiB: 1, source: sandbox.baseImage, storagePool: sandbox.pool, ...extra }));
  await env.client.create(
    instanceType,
    manifests.instance(`${prefix}-vm`, {
      ...on,
      vcpus: 1,
      memoryMiB: 64,
      image: sandbox.baseImage,
      volumes: [{ volumeRef: { name: `${prefix}-disk` } }],
      networks: [{ networkRef: { name: `${prefix}-net` } }],
      pollInterval: '1s',
      ...extra,
      ...instance,
    }),
  );
  const [net, disk, vm] = await Promise.all([
    waitReady(env.client, networkType, `${prefix}-net`),
    waitReady(env.client, volumeType, `${prefix}-disk`),
    waitReady(env.client, instanceType, `${prefix}-vm`),
  ]);
  return { net, disk, vm };
}

t.test('Network + copy-on-write Volume + Instance become a running domain with the disk and NIC attached', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withLibvirtProvider(env);
  const { net, disk, vm } = await applyStack(env, 'web');
  const domain = statusOf(vm, 'externalName');
  const volume = statusOf(disk, 'externalName');
  const network = statusOf(net, 'externalName');
  t.match(domain, /^ci-[0-9a-f]{12}$/);
  t.equal((await virsh('domstate', domain)).trim(), 'running', 'the domain runs');
  t.match(await virsh('domblklist', domain), new RegExp(`vda\\s+${volume}`), 'the volume is its first disk');
  t.match(await virsh('domiflist', domain), new RegExp(`network\\s+${network}\\s+virtio`), 'its NIC is on the network');
  const volXml = await virsh('vol-dumpxml', '--pool', sandbox.pool, volume);
  t.match(volXml, /<capacity unit='bytes'>1073741824<\/capacity>/, '1 GiB');
  t.match(volXml, new RegExp(`<backingStore>\\s*<path>${sandbox.dir}/base.qcow2</path>`), 'copy-on-write on the base image');
  t.match(await virsh('net-info', network), /Active:\s+yes/);
  const cidr = String(net.spec?.['cidr']);
  t.match(await virsh('net-dumpxml', network), new RegExp(`<ip address='${cidr.replace(/0\/24$/, '1')}' prefix='24'>`));
  t.equal(vm.status?.['powerState'], 'Running');
  t.equal(statusOf(disk, 'path'), `${sandbox.dir}/${volume}`);
  t.equal(statusOf(net, 'cidr'), cidr);
  t.notMatch(conditionOf(vm, 'Ready')?.message ?? '', /simulated/);

  // Out-of-band: the domain is destroyed (powered off) and its persistent memory changed; the volume deleted; the network stopped.
  await virsh('destroy', domain);
  await eventually(async () => (await virsh('domstate', domain)).trim() === 'running', 'domain running again under Correct', 20_000);
  t.ok(env.events.some((e) => e.name === 'web-vm' && e.reason === 'DriftDetected' && /spec\.runStrategy/.test(e.message)), 'power drift recorded');

  await virsh('net-destroy', network);
  await env.client.patch(networkType, 'default', 'web-net', { type: 'merge', body: { spec: { pollInterval: '1s' } } });
  await eventually(async () => /Active:\s+yes/.test(await virsh('net-info', network)), 'network restarted', 20_000);

  // Growing the Volume resizes it in place.
  await env.client.patch(volumeType, 'default', 'web-disk', { type: 'merge', body: { spec: { sizeGiB: 2 } } });
  await eventually(async () => /<capacity unit='bytes'>2147483648</.test(await virsh('vol-dumpxml', '--pool', sandbox.pool, volume)), 'volume grown to 2 GiB', 20_000);

  // A volume deleted out of band is recreated (the guest is not using it while powered off).
  await virsh('destroy', domain);
  await virsh('vol-delete', '--pool', sandbox.pool, volume);
  await env.client.patch(volumeType, 'default', 'web-disk', { type: 'merge', body: { spec: { pollInterval: '1s' } } });
  await eventually(async () => (await virsh('vol-list', sandbox.pool)).includes(volume), 'volume recreated', 20_000);
  await eventually(async () => env.events.some((e) => e.name === 'web-disk' && e.reason === 'DriftCorrected'), 'volume deletion corrected as drift');
  await eventually(async () => (await virsh('domstate', domain)).trim() === 'running', 'domain running again', 20_000);

  // Deleting the Instance, Volume and Network together removes the domain first, then the volume and the network.
  await Promise.all([
    env.client.delete(networkType, 'default', 'web-net'),
    env.client.delete(volumeType, 'default', 'web-disk'),
    env.client.delete(instanceType, 'default', 'web-vm'),
  ]);
  for (const [type, name] of [[instanceType, 'web-vm'], [volumeType, 'web-disk'], [networkType, 'web-net']] as const) {
    await eventually(async () => (await getOrUndefined(env.client, type, 'default', name)) === undefined, `${name} deleted`, 30_000);
  }
  t.notMatch(await virsh('list', '--all', '--name'), domain, 'domain undefined');
  t.notMatch(await virsh('vol-list', sandbox.pool), volume, 'volume deleted');
  t.notMatch(await virsh('net-list', '--all', '--name'), network, 'network undefined');
  const deleted = async (kind: string, name: string) => {
    const entry = (await env.journal.list(kind, 'default', name)).find((e) => e.action === 'Delete' && e.result === 'Succeeded');
    t.ok(entry, `${kind} ${name}: delete in the journal`);
    return { start: Date.parse(entry?.startedAt ?? ''), end: Date.parse(entry?.startedAt ?? '') + (entry?.durationMs ?? 0) };
  };
  const [vmGone, diskGone, netGone] = [await deleted('Instance', 'web-vm'), await deleted('Volume', 'web-disk'), await deleted('Network', 'web-net')];
  // Journal times have whole seconds: the volume and network deletions start no earlier than the second the domain's ended in.
  const vmEndSecond = Math.floor(vmGone.end / 1000) * 1000;
  t.ok(diskGone.start >= vmEndSecond && netGone.start >= vmEndSecond, 'the domain went before its volume and network', { vmGone, diskGone, netGone });
});

t.test('Report leaves drift in place and on record: setmaxmem --config and virsh destroy', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withLibvirtProvider(env);
  const { vm } = await applyStack(env, 'watch', { driftPolicy: 'Report' });
  const domain = statusOf(vm, 'externalName');
  await virsh('setmaxmem', domain, '96M', '--config');
  await virsh('destroy', domain);
  const drifted = await eventually(async () => {
    const o = await env.client.get(instanceType, 'default', 'watch-vm');
    const drift = o.status?.['drift'];
    return Array.isArray(drift) && drift.length >= 2 ? o : undefined;
  }, 'drift recorded', 20_000);
  t.match(drifted.status?.['drift'], [
    { path: 'spec.memoryMiB', desired: 64, observed: 96 },
    { path: 'spec.runStrategy', desired: 'Running', observed: 'Stopped' },
  ]);
  t.equal(conditionOf(drifted, 'Drifted')?.status, 'True');
  t.equal((await virsh('domstate', domain)).trim(), 'shut off', 'Report does not start it');
  t.match(await virsh('dumpxml', '--inactive', domain), /<memory unit='KiB'>98304<\/memory>/, 'nor reset its memory');
});

t.test('deletionPolicy Orphan leaves the domain, volume and network in place', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withLibvirtProvider(env);
  const { net, disk, vm } = await applyStack(env, 'keep', {}, { deletionPolicy: 'Orphan' });
  await Promise.all([
    env.client.delete(instanceType, 'default', 'keep-vm'),
    env.client.delete(volumeType, 'default', 'keep-disk'),
    env.client.delete(networkType, 'default', 'keep-net'),
  ]);
  for (const [type, name] of [[instanceType, 'keep-vm'], [volumeType, 'keep-disk'], [networkType, 'keep-net']] as const) {
    await eventually(async () => (await getOrUndefined(env.client, type, 'default', name)) === undefined, `${name} deleted`, 30_000);
  }
  t.equal((await virsh('domstate', statusOf(vm, 'externalName'))).trim(), 'running', 'domain still runs');
  t.match(await virsh('vol-list', sandbox.pool), statusOf(disk, 'externalName'));
  t.match(await virsh('net-info', statusOf(net, 'externalName')), /Active:\s+yes/);
});

t.test('libvirt errors are one readable line in Synced', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withLibvirtProvider(env);
  await env.client.create(providerConfigType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'ProviderConfig',
    metadata: { name: 'nowhere' },
    spec: { driver: 'libvirt', endpoint: 'qemu+tcp://127.0.0.1:1/system' },
  });
  await env.client.create(volumeType, manifests.volume('lost', { ...on, sizeGiB: 1, storagePool: 'no-such-pool' }));
  await env.client.create(volumeType, manifests.volume('far', { providerRef: { name: 'nowhere' }, sizeGiB: 1 }));
  await env.client.create(volumeType, manifests.volume('url', { ...on, sizeGiB: 1, storagePool: sandbox.pool, source: 'https://example.com/debian.qcow2' }));
  await env.client.create(networkType, manifests.network('tagged', { ...on, cidr: '10.199.0.0/24', vlan: 10 }));
  const cases: [ResourceType, string, RegExp][] = [
    [volumeType, 'lost', /^storage pool 'no-such-pool' not found on qemu:\/\/\/system: create it \(virsh pool-define-as no-such-pool dir --target DIR\) or set spec\.storagePool$/],
    [volumeType, 'far', /^libvirt at qemu\+tcp:\/\/127\.0\.0\.1:1\/system is unreachable \(.*Connection refused.*\): check that libvirtd is running there/],
    [volumeType, 'url', /^image "https:\/\/example\.com\/debian\.qcow2" is a URL: the libvirt driver does not download images/],
    [networkType, 'tagged', /^spec\.vlan 10: libvirt networks on Linux bridges cannot tag VLANs/],
  ];
  for (const [type, name, message] of cases) {
    const failing = await eventually(async () => {
      const o = await env.client.get(type, 'default', name);
      return conditionOf(o, 'Synced')?.status === 'False' ? o : undefined;
    }, `${name}: Synced=False`);
    t.match(conditionOf(failing, 'Synced')?.message, message, name);
    t.notMatch(conditionOf(failing, 'Synced')?.message, /\n|at .*\.ts:\d+/, `${name}: one line, no stack`);
  }
});

t.test('a Pool sees the libvirt networks on its providers: an unmanaged one is a conflict and never handed out', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withLibvirtProvider(env);
  // Two consecutive /24s forming a /23: the first is taken by a network made by hand with virsh.
  let first = sandbox.nextCidr();
  while (Number(first.split('.')[2]) % 2 !== 0) first = sandbox.nextCidr();
  const second = sandbox.nextCidr();
  const [a, b, c] = first.split('.');
  const wide = `${a}.${b}.${c}.0/23`;
  const gateway = first.replace(/0\/24$/, '1');
  const file = `${sandbox.dir}/rogue.xml`;
  writeFileSync(file, `<network><name>rogue-${process.pid}</name><bridge name='rg${process.pid % 100000}'/><ip address='${gateway}' prefix='24'/></network>`);
  await virsh('net-define', file);

  await env.client.create(poolType, { apiVersion: 'converge.io/v1alpha1', kind: 'Pool', metadata: { name: 'lab', namespace: 'default' }, spec: { cidrs: [wide] } });
  const drifted = await eventually(async () => {
    const o = await env.client.get(poolType, 'default', 'lab');
    return conditionOf(o, 'Drifted')?.status === 'True' ? o : undefined;
  }, 'Drifted=True on the pool');
  t.match(drifted.status?.['conflicts'], [{ providerRef: 'kvm', network: `rogue-${process.pid}`, cidr: first, poolCidr: wide }]);
  t.match(conditionOf(drifted, 'Drifted')?.message, new RegExp(`unmanaged network ${first.replace(/\./g, '\\.')} \\(rogue-${process.pid} in kvm\\)`));

  await env.client.create(networkType, { apiVersion: 'converge.io/v1alpha1', kind: 'Network', metadata: { name: 'pooled', namespace: 'default' }, spec: { ...on, poolRef: { name: 'lab' }, prefixLength: 24 } });
  const pooled = await waitReady(env.client, networkType, 'pooled');
  t.equal(pooled.status?.['cidr'], second, 'the allocator skipped the unmanaged network');
  t.match(await virsh('net-dumpxml', statusOf(pooled, 'externalName')), new RegExp(`<ip address='${second.replace(/0\/24$/, '1').replace(/\./g, '\\.')}' prefix='24'>`), 'and libvirt has it');
});
