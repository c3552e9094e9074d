/**
 * The libvirt driver's pure parts: the XML it defines reads back to the same shape, default DHCP ranges leave
 * the lower half of a prefix free, netmask-style networks are understood, virsh failures map to the right
 * error class with libvirt's own sentence, and bad ProviderConfig options name the option.
 */
import t from 'tap';
import { NotFoundError, TerminalError, UnavailableError } from '../../src/errors/index.js';
import { parseCidr } from '../../schemas/cidr.js';
import {
  defaultDhcpRange,
  domainXml,
  libvirtSettings,
  macFor,
  networkXml,
  readDomainXml,
  readNetworkXml,
  virshFailure,
} from '../../src/providers/libvirt/index.js';

t.test('a domain definition reads back to what was asked', async (t) => {
  const xml = domainXml({
    name: 'ci-0123456789ab',
    type: 'kvm',
    vcpus: 2,
    memoryMiB: 96,
    disks: [{ pool: 'p', volume: 'cv-1', format: 'qcow2' }, { pool: 'p', volume: 'cv-2', format: 'raw' }],
    networks: ['cn-a', 'cn-a'],
    macs: [macFor('uid', 0), macFor('uid', 1)],
    image: 'debian<&>"12',
    ref: 'default/web',
  });
  t.match(xml, /<converge:image>debian&lt;&amp;&gt;&quot;12<\/converge:image>/, 'values are escaped');
  t.same(readDomainXml(xml), { uuid: '', vcpus: 2, memoryMiB: 96, disks: ['p/cv-1', 'p/cv-2'], networks: ['cn-a', 'cn-a'], macs: [macFor('uid', 0), macFor('uid', 1)] });
  t.match(macFor('uid', 0), /^52:54:00(:[0-9a-f]{2}){3}$/);
  t.equal(macFor('uid', 0), macFor('uid', 0), 'stable');
  t.not(macFor('uid', 0), macFor('uid', 1), 'one per NIC');
  t.equal(readDomainXml("<domain><vcpu placement='static'>4</vcpu><memory unit='KiB'>98304</memory></domain>").memoryMiB, 96, 'KiB as libvirt reports it');
});

t.test('default DHCP ranges take the upper half of the prefix', async (t) => {
  const cases = [
    ['10.0.0.0/24', '10.0.0.128', '10.0.0.254'],
    ['10.0.0.0/30', '10.0.0.2', '10.0.0.2'],
    ['fd00:10::/64', 'fd00:10:0:0:8000::', 'fd00:10::ffff:ffff:ffff:ffff'],
  ] as const;
  for (const [cidr, start, end] of cases) {
    const parsed = parseCidr(cidr);
    if (!parsed.ok) throw new Error(cidr);
    t.same(defaultDhcpRange(parsed.value), { start, end }, cidr);
  }
});

t.test('network definitions read back; netmask and bridge-mode networks are understood', async (t) => {
  const shape = { name: 'cn-x', bridge: 'cbr-x', forward: 'nat', cidr: '10.1.2.0/24', gateway: '10.1.2.1', dhcp: { start: '10.1.2.128', end: '10.1.2.254' } };
  t.same(readNetworkXml(networkXml(shape)), shape);
  t.same(readNetworkXml(networkXml({ name: 'cn-y', bridge: 'br0', forward: 'bridge' })), { name: 'cn-y', bridge: 'br0', forward: 'bridge' });
  t.match(
    readNetworkXml("<network><name>default</name><bridge name='virbr0'/><ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>"),
    { cidr: '192.168.122.0/24', gateway: '192.168.122.1', dhcp: { start: '192.168.122.2', end: '192.168.122.254' } },
  );
});

t.test('virsh failures become the right error with libvirt sentence and what to do', async (t) => {
  const uri = 'qemu:///system';
  const cases = [
    { stderr: "error: failed to get domain 'ci-x'\n", type: NotFoundError, message: "failed to get domain 'ci-x' on qemu:///system" },
    { stderr: "error: failed to get vol 'x'\nerror: Storage volume not found: no storage vol with matching path 'x'\n", type: NotFoundError, message: /Storage volume not found/ },
    { stderr: "error: failed to get pool 'data'\nerror: Storage pool not found: no storage pool with matching name 'data'\n", type: UnavailableError, message: /^storage pool 'data' not found on qemu:\/\/\/system: create it/ },
    { stderr: "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n", type: UnavailableError, message: /^libvirt at qemu:\/\/\/system is unreachable \(.*No such file or directory\): check that libvirtd is running/ },
  ];
  for (const c of cases) {
    const err = virshFailure({ uri, args: ['vol-info', '--pool', 'data', 'x'], stderr: c.stderr });
    t.type(err, c.type, c.stderr);
    t.match(err.message, c.message);
    t.notMatch(err.message, /\n/, 'one line');
  }
  const missing = virshFailure({ uri, args: ['list'], stderr: '', spawnError: Object.assign(new Error('spawn virsh ENOENT'), { code: 'ENOENT' }) });
  t.match(missing.message, /virsh is not installed on this host: install libvirt-clients/);
});

t.test('ProviderConfig options: defaults, and a bad value names the option', async (t) => {
  const pc = (options?: Record<string, string>, endpoint?: string) => ({
    apiVersion: 'converge.io/v1alpha1',
    kind: 'ProviderConfig',
    metadata: { name: 'kvm' },
    spec: { driver: 'libvirt', ...(endpoint ? { endpoint } : {}), ...(options ? { options } : {}) },
  });
  t.match(libvirtSettings(pc()), { uri: 'qemu:///system', forwardMode: 'nat', domainType: 'auto', imagePool: 'default', shutdownTimeoutMs: 60_000 });
  t.match(libvirtSettings(pc({ forwardMode: 'isolated', shutdownTimeoutSeconds: '0' }, 'qemu+ssh://root@h/system')), { uri: 'qemu+ssh://root@h/system', forwardMode: 'isolated', shutdownTimeoutMs: 0 });
  t.throws(() => libvirtSettings(pc({ forwardMode: 'bridge' })), new TerminalError('ProviderConfig "kvm": spec.options.forwardMode must be one of nat, route, isolated, got "bridge"'));
  t.throws(() => libvirtSettings(pc({ shutdownTimeoutSeconds: 'soon' })), { message: /spec\.options\.shutdownTimeoutSeconds must be a whole number/ });
});
