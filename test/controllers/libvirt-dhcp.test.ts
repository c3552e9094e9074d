/**
 * DHCP reservations on the host's real libvirtd: an Instance NIC with an address (from a Pool, or fixed, even
 * inside the DHCP range) gets `<host mac name ip/>` on its libvirt network, live and persistent, and dnsmasq's
 * hostsfile carries it (so the guest is really handed that address). A reservation deleted out of band is
 * restored (Correct) or reported (Report); a changed address moves it; deleting the Instance removes it,
 * except under deletionPolicy Orphan; another party's reservation of the same address is a readable error,
 * never overwritten. Guests are 64 MiB KVM domains without an OS, a few at a time (the machine has 2 cores).
 */
import t from 'tap';
import { instanceType, networkType, poolType, providerConfigType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { planNetwork, readDhcpScope, type DhcpScope } from '../../src/providers/libvirt/dhcp-hosts.js';
import { macFor } from '../../src/providers/libvirt/index.js';
import { dhcpHostsOf, dnsmasqHostLines, libvirtSandbox, LIBVIRT_URI, virsh, type LibvirtSandbox } from '../helpers/libvirt.js';
import { conditionOf, eventually, getOrUndefined, manifests, startEnv, waitReady, type ManagedEnv } from './helpers.js';

const sandbox: LibvirtSandbox = await libvirtSandbox();
t.teardown(() => sandbox.cleanup());

const on = { providerRef: { name: 'kvm' } };

async function withLibvirtProvider(env: ManagedEnv): Promise<void> {
  await env.client.create(providerConfigType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'ProviderConfig',
    metadata: { name: 'kvm' },
    spec: { driver: 'libvirt', endpoint: LIBVIRT_URI, options: { imagePool: sandbox.pool, shutdownTimeoutSeconds: '0', forwardMode: 'isolated' } },
  });
}

/** A Ready libvirt Network on a fresh /24; resolves with it, its libvirt name and its CIDR's first three octets. */
async function network(env: ManagedEnv, name: string) {
  const cidr = sandbox.nextCidr();
  await env.client.create(networkType, manifests.network(name, { ...on, cidr }));
  const net = await waitReady(env.client, networkType, name);
  return { net, libvirtName: String(net.status?.['externalName']), base: cidr.replace(/\.0\/24$/, '') };
}

function instance(name: string, spec: Record<string, unknown>): KubeObject {
  return manifests.instance(name, { ...on, vcpus: 1, memoryMiB: 64, image: sandbox.baseImage, pollInterval: '1s', ...spec });
}

const hostLine = (mac: string, ip: string, name: string) => `${mac},${ip},${name}`;

async function reservedOn(libvirtName: string, mac: string): Promise<string | undefined> {
  const live = (await dhcpHostsOf(libvirtName)).find((h) => h.mac === mac);
  const config = (await dhcpHostsOf(libvirtName, { inactive: true })).find((h) => h.mac === mac);
  return live !== undefined && config !== undefined && live.ip === config.ip ? live.ip : undefined;
}

t.test('planning one network: what is added, deleted, merged into one --live --config call, or refused', async (t) => {
  const own = new Map([['52:54:00:00:00:01', 0], ['52:54:00:00:00:02', 1]]);
  const scope = (...hosts: DhcpScope['hosts']): DhcpScope => ({ address: '10.9.8.1', prefix: 24, hosts });
  const want = { network: 'n', nic: 0, mac: '52:54:00:00:00:01', ip: '10.9.8.5', name: 'web' };
  const cases = [
    { name: 'missing in both: one add for both', live: scope(), config: scope(), changes: [{ command: 'add-last', scopes: ['live', 'config'] }], conflicts: 0, diff: 1 },
    { name: 'missing live only', live: scope(), config: scope(want), changes: [{ command: 'add-last', scopes: ['live'] }], conflicts: 0, diff: 1 },
    { name: 'present: nothing', live: scope(want), config: scope(want), changes: [], conflicts: 0, diff: 0 },
    { name: 'moved address: delete the old, add the new', live: scope({ ...want, ip: '10.9.8.6' }), config: scope({ ...want, ip: '10.9.8.6' }), changes: [{ command: 'delete', scopes: ['live', 'config'] }, { command: 'add-last', scopes: ['live', 'config'] }], conflicts: 0, diff: 1 },
    { name: 'same address, other MAC: refused', live: scope({ mac: '52:54:00:ff:ff:ff', ip: '10.9.8.5' }), config: scope({ mac: '52:54:00:ff:ff:ff', ip: '10.9.8.5' }), changes: [], conflicts: 1, diff: 1 },
    { name: 'same name, other MAC: refused', live: scope({ mac: '52:54:00:ff:ff:ff', ip: '10.9.8.77', name: 'web' }), config: undefined, changes: [], conflicts: 1, diff: 1 },
    { name: 'inactive network: persistent only', live: undefined, config: scope(), changes: [{ command: 'add-last', scopes: ['config'] }], conflicts: 0, diff: 1 },
    { name: 'no DHCP (bridge mode): nothing', live: undefined, config: undefined, changes: [], conflicts: 0, diff: 0 },
  ] as const;
  for (const c of cases) {
    const plan = planNetwork({ network: 'n', ...(c.live ? { live: c.live } : {}), ...(c.config ? { config: c.config } : {}) }, [want], own);
    t.match(plan.changes, c.changes, `${c.name}: changes`);
    t.equal(plan.changes.length, c.changes.length, `${c.name}: no more changes`);
    t.equal(plan.conflicts.length, c.conflicts, `${c.name}: conflicts`);
    t.equal(plan.diff.length, c.diff, `${c.name}: drift entries`);
  }
  const outside = planNetwork({ network: 'n', config: scope() }, [{ ...want, ip: '10.1.1.5' }], own);
  t.same(outside.changes, [], 'an address outside the subnet is not reserved');
  t.same(
    readDhcpScope(`<network><name>n</name><ip address='10.9.8.1' netmask='255.255.255.0'><dhcp><range start='10.9.8.128' end='10.9.8.254'/><host mac='52:54:00:AA:00:01' name='a' ip='10.9.8.3'/></dhcp></ip></network>`),
    { address: '10.9.8.1', prefix: 24, hosts: [{ mac: '52:54:00:aa:00:01', ip: '10.9.8.3', name: 'a' }] },
    'netmask form and upper-case MACs are read',
  );
  t.equal(readDhcpScope(`<network><name>b</name><forward mode='bridge'/><bridge name='br0'/></network>`), undefined, 'bridge mode has no DHCP');
});

t.test('pool and fixed addresses are reserved in libvirt DHCP, follow changes and out-of-band deletion, and go with the Instance', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withLibvirtProvider(env);
  const a = await network(env, 'front');
  const b = await network(env, 'back');
  await env.client.create(poolType, { apiVersion: 'converge.io/v1alpha1', kind: 'Pool', metadata: { name: 'front-addrs', namespace: 'default' }, spec: { cidrs: [`${a.base}.16/28`] } });
  // .200 sits inside the default DHCP range (.128–.254): libvirt allows host entries there.
  const fixed = `${b.base}.200`;
  await env.client.create(
    instanceType,
    instance('web', {
      networks: [
        { networkRef: { name: 'front' }, poolRef: { name: 'front-addrs' } },
        { networkRef: { name: 'back' }, address: fixed },
      ],
    }),
  );
  const vm = await waitReady(env.client, instanceType, 'web');
  const uid = String(vm.metadata.uid);
  const [mac0, mac1] = [macFor(uid, 0), macFor(uid, 1)];
  const pooled = await eventually(async () => {
    const o = await env.client.get(instanceType, 'default', 'web');
    const addrs = o.status?.['addresses'];
    return Array.isArray(addrs) ? addrs.find((x) => typeof x === 'string' && x.startsWith(`${a.base}.`)) : undefined;
  }, 'pool address in status');
  t.match(String(pooled), new RegExp(`^${a.base.replace(/\./g, '\\.')}\\.(1[6-9]|2\\d|3[01])$`), 'allocated from the pool');

  t.same(await dhcpHostsOf(a.libvirtName), [{ mac: mac0, ip: pooled, name: 'web' }], 'pool address reserved (live)');
  t.same(await dhcpHostsOf(a.libvirtName, { inactive: true }), [{ mac: mac0, ip: pooled, name: 'web' }], 'and persistent');
  t.same(await dhcpHostsOf(b.libvirtName), [{ mac: mac1, ip: fixed, name: 'web' }], 'fixed address inside the DHCP range reserved');
  t.same(dnsmasqHostLines(a.libvirtName), [hostLine(mac0, String(pooled), 'web')], 'dnsmasq hands out the pool address');
  t.same(dnsmasqHostLines(b.libvirtName), [hostLine(mac1, fixed, 'web')], 'dnsmasq hands out the fixed address');
  t.match(await virsh('domiflist', String(vm.status?.['externalName'])), new RegExp(`${a.libvirtName}\\s+virtio\\s+${mac0}`), 'the NIC has that MAC');

  // Out of band: the reservation is deleted; Correct puts it back.
  await virsh('net-update', a.libvirtName, 'delete', 'ip-dhcp-host', `<host mac='${mac0}' name='web' ip='${String(pooled)}'/>`, '--live', '--config');
  t.same(dnsmasqHostLines(a.libvirtName), [], 'gone from dnsmasq');
  await eventually(async () => (await reservedOn(a.libvirtName, mac0)) === pooled, 'reservation restored', 20_000);
  t.same(dnsmasqHostLines(a.libvirtName), [hostLine(mac0, String(pooled), 'web')], 'and dnsmasq has it again');
  t.ok(env.events.some((e) => e.name === 'web' && e.reason === 'DriftDetected' && /spec\.networks\[0\]\.address/.test(e.message)), 'recorded as drift');

  // The fixed address changes: the old reservation goes, the new one comes.
  const moved = `${b.base}.7`;
  await env.client.patch(instanceType, 'default', 'web', {
    type: 'merge',
    body: { spec: { networks: [{ networkRef: { name: 'front' }, poolRef: { name: 'front-addrs' } }, { networkRef: { name: 'back' }, address: moved }] } },
  });
  await eventually(async () => (await reservedOn(b.libvirtName, mac1)) === moved, 'reservation moved', 20_000);
  t.same(await dhcpHostsOf(b.libvirtName), [{ mac: mac1, ip: moved, name: 'web' }], 'only the new address is reserved');
  t.same(dnsmasqHostLines(b.libvirtName), [hostLine(mac1, moved, 'web')]);

  await env.client.delete(instanceType, 'default', 'web');
  await eventually(async () => (await getOrUndefined(env.client, instanceType, 'default', 'web')) === undefined, 'instance deleted', 30_000);
  for (const n of [a.libvirtName, b.libvirtName]) {
    t.same(await dhcpHostsOf(n), [], `${n}: live reservation removed`);
    t.same(await dhcpHostsOf(n, { inactive: true }), [], `${n}: persistent reservation removed`);
    t.same(dnsmasqHostLines(n), [], `${n}: dnsmasq forgot it`);
  }
});

t.test('Report leaves an out-of-band deleted reservation missing and on record; Orphan keeps reservations', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withLibvirtProvider(env);
  const n = await network(env, 'lab');
  const address = `${n.base}.9`;
  // A second NIC on a network without libvirt DHCP: its address is the guest's own business, nothing is reserved.
  const plainCidr = sandbox.nextCidr();
  await env.client.create(networkType, manifests.network('plain', { ...on, cidr: plainCidr, dhcp: { enabled: false } }));
  const plain = String((await waitReady(env.client, networkType, 'plain')).status?.['externalName']);
  await env.client.create(
    instanceType,
    instance('probe', {
      driftPolicy: 'Report',
      deletionPolicy: 'Orphan',
      networks: [{ networkRef: { name: 'lab' }, address }, { networkRef: { name: 'plain' }, address: plainCidr.replace(/0\/24$/, '9') }],
    }),
  );
  const vm = await waitReady(env.client, instanceType, 'probe');
  const mac = macFor(String(vm.metadata.uid), 0);
  t.equal(await reservedOn(n.libvirtName, mac), address, 'reserved');
  t.same(await dhcpHostsOf(plain, { inactive: true }), [], 'no reservation on a network without DHCP');
  t.equal(conditionOf(vm, 'Synced')?.status, 'True', 'and no error for it');

  await virsh('net-update', n.libvirtName, 'delete', 'ip-dhcp-host', `<host mac='${mac}' name='probe' ip='${address}'/>`, '--live', '--config');
  const drifted = await eventually(async () => {
    const o = await env.client.get(instanceType, 'default', 'probe');
    return conditionOf(o, 'Drifted')?.status === 'True' ? o : undefined;
  }, 'Drifted=True', 20_000);
  t.match(drifted.status?.['drift'], [{ path: 'spec.networks[0].address', desired: address, observed: `no DHCP reservation on ${n.libvirtName}` }]);
  t.match(conditionOf(drifted, 'Drifted')?.message, /spec\.networks\[0\]\.address/);
  t.same(await dhcpHostsOf(n.libvirtName), [], 'Report does not put it back');

  // A spec change is applied even under Report: the reservation comes back with it.
  await env.client.patch(instanceType, 'default', 'probe', { type: 'merge', body: { spec: { driftPolicy: 'Correct' } } });
  await eventually(async () => (await reservedOn(n.libvirtName, mac)) === address, 'reservation back after the spec change', 20_000);

  await env.client.delete(instanceType, 'default', 'probe');
  await eventually(async () => (await getOrUndefined(env.client, instanceType, 'default', 'probe')) === undefined, 'instance deleted', 30_000);
  t.equal((await virsh('domstate', String(vm.status?.['externalName']))).trim(), 'running', 'the orphaned guest still runs');
  t.equal(await reservedOn(n.libvirtName, mac), address, 'and keeps its reservation');
  t.same(dnsmasqHostLines(n.libvirtName), [hostLine(mac, address, 'probe')]);
});

t.test("another party's reservation of the address is an error naming network, address and MAC, never overwritten", async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withLibvirtProvider(env);
  const n = await network(env, 'shared');
  const address = `${n.base}.11`;
  const theirs = '52:54:00:de:ad:01';
  await virsh('net-update', n.libvirtName, 'add-last', 'ip-dhcp-host', `<host mac='${theirs}' name='printer' ip='${address}'/>`, '--live', '--config');
  await env.client.create(instanceType, instance('clash', { networks: [{ networkRef: { name: 'shared' }, address }] }));
  const failing = await eventually(async () => {
    const o = await env.client.get(instanceType, 'default', 'clash');
    return conditionOf(o, 'Synced')?.status === 'False' && /already reserves/.test(conditionOf(o, 'Synced')?.message ?? '') ? o : undefined;
  }, 'Synced=False with the conflict', 20_000);
  const message = conditionOf(failing, 'Synced')?.message ?? '';
  t.match(message, new RegExp(`^libvirt network ${n.libvirtName} already reserves address ${address.replace(/\./g, '\\.')} for MAC ${theirs}`));
  t.notMatch(message, /\n/, 'one line');
  t.same(await dhcpHostsOf(n.libvirtName), [{ mac: theirs, ip: address, name: 'printer' }], 'their reservation is untouched');

  // Once they let go of it, the Instance gets its reservation without any spec change.
  await virsh('net-update', n.libvirtName, 'delete', 'ip-dhcp-host', `<host mac='${theirs}' name='printer' ip='${address}'/>`, '--live', '--config');
  const mac = macFor(String(failing.metadata.uid), 0);
  await eventually(async () => (await reservedOn(n.libvirtName, mac)) === address, 'reserved once free', 30_000);
  await eventually(async () => conditionOf(await env.client.get(instanceType, 'default', 'clash'), 'Synced')?.status === 'True', 'Synced again', 20_000);
  await env.client.delete(instanceType, 'default', 'clash');
  await eventually(async () => (await getOrUndefined(env.client, instanceType, 'default', 'clash')) === undefined, 'instance deleted', 30_000);
  t.same(await dhcpHostsOf(n.libvirtName), [], 'removed with the Instance');
});
