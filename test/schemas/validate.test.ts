import t from 'tap';
import type { ResourceType } from '../../schemas/types.js';
import {
  bucketType,
  instanceType,
  networkType,
  poolType,
  providerConfigType,
  volumeType,
} from '../../schemas/index.js';
import { validateSpec, validateStatus } from '../../schemas/validate.js';

const provider = { providerRef: { name: 'default' } };
const managedDefaults = { managementPolicy: 'Full', deletionPolicy: 'Delete', driftPolicy: 'Correct', pollInterval: '10m' };

t.test('valid specs parse with defaults applied', async (t) => {
  const cases: { name: string; type: ResourceType; spec: unknown; want: unknown }[] = [
    {
      name: 'minimal instance',
      type: instanceType,
      spec: { ...provider, image: 'debian-12', vcpus: 2, memoryMiB: 2048 },
      want: { ...provider, ...managedDefaults, image: 'debian-12', vcpus: 2, memoryMiB: 2048, runStrategy: 'Always' },
    },
    {
      name: 'instance addresses are normalised',
      type: instanceType,
      spec: { ...provider, image: 'x', vcpus: 1, memoryMiB: 512, networks: [{ networkRef: { name: 'n' }, address: '2001:DB8:0:0::0001' }] },
      want: { ...provider, ...managedDefaults, image: 'x', vcpus: 1, memoryMiB: 512, runStrategy: 'Always', networks: [{ networkRef: { name: 'n' }, address: '2001:db8::1' }] },
    },
    {
      name: 'minimal volume',
      type: volumeType,
      spec: { ...provider, sizeGiB: 10 },
      want: { ...provider, ...managedDefaults, sizeGiB: 10, format: 'qcow2', storagePool: 'default' },
    },
    {
      name: 'minimal bucket',
      type: bucketType,
      spec: { ...provider },
      want: { ...provider, ...managedDefaults, versioning: false },
    },
    {
      name: 'network with cidr gets DHCP on by default; IPv6 is canonicalised',
      type: networkType,
      spec: { ...provider, cidr: '2001:DB8:0:0::/64' },
      want: { ...provider, ...managedDefaults, cidr: '2001:db8::/64', dhcp: { enabled: true } },
    },
    {
      name: 'network from a pool',
      type: networkType,
      spec: { ...provider, poolRef: { name: 'lab' }, prefixLength: 24, dhcp: { enabled: false } },
      want: { ...provider, ...managedDefaults, poolRef: { name: 'lab' }, prefixLength: 24, dhcp: { enabled: false } },
    },
    {
      name: 'pool (no managed fields, nothing defaulted)',
      type: poolType,
      spec: { cidrs: ['10.0.0.0/16', 'FD00::/48'], reserved: [{ start: '10.0.0.1', end: '10.0.0.9' }] },
      want: { cidrs: ['10.0.0.0/16', 'fd00::/48'], reserved: [{ start: '10.0.0.1', end: '10.0.0.9' }] },
    },
    {
      name: 'provider config defaults concurrency and poll interval',
      type: providerConfigType,
      spec: { driver: 'sim' },
      want: { driver: 'sim', concurrency: { maxConcurrent: 4 }, pollInterval: '1m' },
    },
    {
      name: 'provider config with endpoint and secret',
      type: providerConfigType,
      spec: { driver: 'libvirt', endpoint: 'qemu+ssh://root@kvm1/system', credentialsSecretRef: { name: 'kvm', namespace: 'converge-system' } },
      want: { driver: 'libvirt', endpoint: 'qemu+ssh://root@kvm1/system', credentialsSecretRef: { name: 'kvm', namespace: 'converge-system' }, concurrency: { maxConcurrent: 4 }, pollInterval: '1m' },
    },
  ];
  for (const c of cases) {
    const r = validateSpec(c.type, c.spec);
    if (!r.ok) {
      t.fail(`${c.name}: ${JSON.stringify(r.causes)}`);
      continue;
    }
    t.same(r.value, c.want, c.name);
    t.strictSame(r.warnings, [], `${c.name}: no warnings`);
  }
});

interface BadCase {
  readonly name: string;
  readonly type: ResourceType;
  readonly spec: unknown;
  readonly field: string;
  readonly reason: string;
  readonly message: RegExp;
}

const instance = { ...provider, image: 'debian-12', vcpus: 2, memoryMiB: 2048 };
const network = { ...provider, cidr: '10.0.0.0/24' };

const badCases: BadCase[] = [
  { name: 'wrong type', type: instanceType, spec: { ...instance, memoryMiB: '4G' }, field: 'spec.memoryMiB', reason: 'FieldValueTypeInvalid', message: /^Invalid value: "4G": expected integer, got string$/ },
  { name: 'fraction where an integer is needed', type: instanceType, spec: { ...instance, vcpus: 1.5 }, field: 'spec.vcpus', reason: 'FieldValueTypeInvalid', message: /expected integer, got number/ },
  { name: 'out of range', type: instanceType, spec: { ...instance, vcpus: 300 }, field: 'spec.vcpus', reason: 'FieldValueInvalid', message: /^Invalid value: 300: must be at most 256$/ },
  { name: 'zero memory', type: instanceType, spec: { ...instance, memoryMiB: 0 }, field: 'spec.memoryMiB', reason: 'FieldValueInvalid', message: /must be at least 1/ },
  { name: 'missing required', type: instanceType, spec: { ...provider, vcpus: 1, memoryMiB: 1 }, field: 'spec.image', reason: 'FieldValueRequired', message: /^Required value$/ },
  { name: 'empty required string', type: instanceType, spec: { ...instance, image: '' }, field: 'spec.image', reason: 'FieldValueRequired', message: /Required value/ },
  { name: 'missing spec', type: volumeType, spec: undefined, field: 'spec', reason: 'FieldValueRequired', message: /^Required value$/ },
  { name: 'bad enum', type: instanceType, spec: { ...instance, runStrategy: 'Sometimes' }, field: 'spec.runStrategy', reason: 'FieldValueNotSupported', message: /^Unsupported value: "Sometimes": supported values: "Always", "Halted"$/ },
  { name: 'unknown field with suggestion', type: instanceType, spec: { ...instance, memory: 4096 }, field: 'spec.memory', reason: 'FieldValueForbidden', message: /^unknown field "memory"; did you mean "memoryMiB"\?$/ },
  { name: 'nested unknown field', type: instanceType, spec: { ...instance, networks: [{ networkRef: { name: 'n', namespace: 'x' } }] }, field: 'spec.networks[0].networkRef.namespace', reason: 'FieldValueForbidden', message: /unknown field "namespace"/ },
  { name: 'nested missing ref', type: instanceType, spec: { ...instance, networks: [{}] }, field: 'spec.networks[0].networkRef', reason: 'FieldValueRequired', message: /Required value/ },
  { name: 'bad ref name', type: instanceType, spec: { ...instance, providerRef: { name: 'Default_1' } }, field: 'spec.providerRef.name', reason: 'FieldValueInvalid', message: /"Default_1": must be a DNS-1123 subdomain/ },
  { name: 'bad static address', type: instanceType, spec: { ...instance, networks: [{ networkRef: { name: 'n' }, address: '10.0.0.300' }] }, field: 'spec.networks[0].address', reason: 'FieldValueInvalid', message: /"10.0.0.300": not a valid IP address/ },
  { name: 'duplicate volume', type: instanceType, spec: { ...instance, volumes: [{ volumeRef: { name: 'a' } }, { volumeRef: { name: 'a' } }] }, field: 'spec.volumes[1].volumeRef.name', reason: 'FieldValueDuplicate', message: /spec.volumes\[0\]/ },
  { name: 'bad ssh key', type: instanceType, spec: { ...instance, sshKeys: ['not a key'] }, field: 'spec.sshKeys[0]', reason: 'FieldValueInvalid', message: /OpenSSH public key/ },
  { name: 'bad poll interval', type: instanceType, spec: { ...instance, pollInterval: '5 minutes' }, field: 'spec.pollInterval', reason: 'FieldValueInvalid', message: /"5 minutes": must be a duration such as "30s"/ },
  { name: 'poll interval too short', type: volumeType, spec: { ...provider, sizeGiB: 1, pollInterval: '10ms' }, field: 'spec.pollInterval', reason: 'FieldValueInvalid', message: /between 1s and 24h/ },
  { name: 'bad management policy', type: bucketType, spec: { ...provider, managementPolicy: 'Partial' }, field: 'spec.managementPolicy', reason: 'FieldValueNotSupported', message: /"Full", "ObserveOnly", "NoDelete"/ },
  { name: 'duplicate drift override', type: bucketType, spec: { ...provider, driftOverrides: [{ path: 'spec.tags', policy: 'Report' }, { path: 'spec.tags', policy: 'Ignore' }] }, field: 'spec.driftOverrides[1].path', reason: 'FieldValueDuplicate', message: /"spec.tags"/ },
  { name: 'drift override outside spec', type: bucketType, spec: { ...provider, driftOverrides: [{ path: 'metadata.labels', policy: 'Report' }] }, field: 'spec.driftOverrides[0].path', reason: 'FieldValueInvalid', message: /spec field path/ },
  { name: 'zero size volume', type: volumeType, spec: { ...provider, sizeGiB: 0 }, field: 'spec.sizeGiB', reason: 'FieldValueInvalid', message: /must be at least 1/ },
  { name: 'bad volume format', type: volumeType, spec: { ...provider, sizeGiB: 1, format: 'vmdk' }, field: 'spec.format', reason: 'FieldValueNotSupported', message: /"qcow2", "raw"/ },
  { name: 'tag value of wrong type', type: bucketType, spec: { ...provider, tags: { team: 7 } }, field: 'spec.tags.team', reason: 'FieldValueTypeInvalid', message: /expected string, got number/ },
  { name: 'map key is rendered in brackets', type: bucketType, spec: { ...provider, tags: { 'app.kubernetes.io/name': 1 } }, field: 'spec.tags[app.kubernetes.io/name]', reason: 'FieldValueTypeInvalid', message: /expected string/ },
  { name: 'lifecycle days must be positive', type: bucketType, spec: { ...provider, lifecycle: [{ id: 'x', expirationDays: 0 }] }, field: 'spec.lifecycle[0].expirationDays', reason: 'FieldValueInvalid', message: /at least 1/ },
  { name: 'duplicate lifecycle id', type: bucketType, spec: { ...provider, lifecycle: [{ id: 'x', expirationDays: 1 }, { id: 'x', expirationDays: 2 }] }, field: 'spec.lifecycle[1].id', reason: 'FieldValueDuplicate', message: /"x"/ },
  { name: 'too many tags', type: bucketType, spec: { ...provider, tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, field: 'spec.tags', reason: 'FieldValueTooMany', message: /at most 50/ },
  { name: 'host bits set', type: networkType, spec: { ...provider, cidr: '10.0.0.5/24' }, field: 'spec.cidr', reason: 'FieldValueInvalid', message: /^Invalid value: "10.0.0.5\/24": has host bits set; did you mean "10.0.0.0\/24"\?$/ },
  { name: 'not a CIDR', type: networkType, spec: { ...provider, cidr: '10.0.0.0' }, field: 'spec.cidr', reason: 'FieldValueInvalid', message: /not a CIDR/ },
  { name: 'prefix too long', type: networkType, spec: { ...provider, cidr: '10.0.0.0/33' }, field: 'spec.cidr', reason: 'FieldValueInvalid', message: /0 to 32/ },
  { name: 'neither cidr nor pool', type: networkType, spec: { ...provider }, field: 'spec.cidr', reason: 'FieldValueRequired', message: /either cidr, or poolRef/ },
  { name: 'cidr and pool', type: networkType, spec: { ...network, poolRef: { name: 'p' }, prefixLength: 24 }, field: 'spec.poolRef', reason: 'FieldValueForbidden', message: /together with cidr/ },
  { name: 'pool without prefix length', type: networkType, spec: { ...provider, poolRef: { name: 'p' } }, field: 'spec.prefixLength', reason: 'FieldValueRequired', message: /required with poolRef/ },
  { name: 'prefix length without pool', type: networkType, spec: { ...network, prefixLength: 24 }, field: 'spec.prefixLength', reason: 'FieldValueForbidden', message: /only allowed with poolRef/ },
  { name: 'dhcp range outside cidr', type: networkType, spec: { ...network, dhcp: { range: { start: '10.0.0.10', end: '10.0.1.10' } } }, field: 'spec.dhcp.range.end', reason: 'FieldValueInvalid', message: /inside spec.cidr 10.0.0.0\/24/ },
  { name: 'dhcp range backwards', type: networkType, spec: { ...network, dhcp: { range: { start: '10.0.0.50', end: '10.0.0.10' } } }, field: 'spec.dhcp.range.end', reason: 'FieldValueInvalid', message: /not be before start/ },
  { name: 'vlan out of range', type: networkType, spec: { ...network, vlan: 4095 }, field: 'spec.vlan', reason: 'FieldValueInvalid', message: /at most 4094/ },
  { name: 'bridge name too long', type: networkType, spec: { ...network, bridge: 'a-very-long-bridge-name' }, field: 'spec.bridge', reason: 'FieldValueInvalid', message: /Linux interface name/ },
  { name: 'empty pool', type: poolType, spec: { cidrs: [] }, field: 'spec.cidrs', reason: 'FieldValueInvalid', message: /at least 1 item$/ },
  { name: 'overlapping pool cidrs', type: poolType, spec: { cidrs: ['10.0.0.0/8', '10.1.0.0/16'] }, field: 'spec.cidrs[1]', reason: 'FieldValueInvalid', message: /overlaps spec.cidrs\[0\] \(10.0.0.0\/8\)/ },
  { name: 'overlap after normalisation', type: poolType, spec: { cidrs: ['fd00::/16', 'FD00:0::/32'] }, field: 'spec.cidrs[1]', reason: 'FieldValueInvalid', message: /overlaps spec.cidrs\[0\] \(fd00::\/16\)/ },
  { name: 'pool cidr host bits', type: poolType, spec: { cidrs: ['10.0.0.0/16', '192.168.1.1/24'] }, field: 'spec.cidrs[1]', reason: 'FieldValueInvalid', message: /did you mean "192.168.1.0\/24"/ },
  { name: 'reserved outside cidrs', type: poolType, spec: { cidrs: ['10.0.0.0/24'], reserved: [{ start: '10.0.1.1', end: '10.0.1.5' }] }, field: 'spec.reserved[0]', reason: 'FieldValueInvalid', message: /inside one of spec.cidrs \(10.0.0.0\/24\)/ },
  { name: 'reserved spanning two cidrs', type: poolType, spec: { cidrs: ['10.0.0.0/24', '10.0.1.0/24'], reserved: [{ start: '10.0.0.250', end: '10.0.1.5' }] }, field: 'spec.reserved[0]', reason: 'FieldValueInvalid', message: /inside one of/ },
  { name: 'reserved backwards', type: poolType, spec: { cidrs: ['10.0.0.0/24'], reserved: [{ start: '10.0.0.9', end: '10.0.0.1' }] }, field: 'spec.reserved[0].end', reason: 'FieldValueInvalid', message: /not before it/ },
  { name: 'unknown driver', type: providerConfigType, spec: { driver: 'vmware' }, field: 'spec.driver', reason: 'FieldValueNotSupported', message: /"sim", "libvirt", "s3", "proxmox", "cloudstack", "aws"/ },
  { name: 'bad endpoint', type: providerConfigType, spec: { driver: 's3', endpoint: 'not a url' }, field: 'spec.endpoint', reason: 'FieldValueInvalid', message: /URL or URI/ },
  { name: 'secret without namespace', type: providerConfigType, spec: { driver: 's3', credentialsSecretRef: { name: 's3' } }, field: 'spec.credentialsSecretRef.namespace', reason: 'FieldValueRequired', message: /Required value/ },
  { name: 'concurrency at least one', type: providerConfigType, spec: { driver: 'sim', concurrency: { maxConcurrent: 0 } }, field: 'spec.concurrency.maxConcurrent', reason: 'FieldValueInvalid', message: /at least 1/ },
  { name: 'spec of wrong type', type: poolType, spec: ['10.0.0.0/8'], field: 'spec', reason: 'FieldValueTypeInvalid', message: /expected object, got array/ },
];

t.test('invalid specs yield a cause naming the field', async (t) => {
  for (const c of badCases) {
    const r = validateSpec(c.type, c.spec);
    if (r.ok) {
      t.fail(`${c.name}: accepted ${JSON.stringify(c.spec)}`);
      continue;
    }
    const cause = r.causes.find((x) => x.field === c.field);
    if (cause === undefined) {
      t.fail(`${c.name}: no cause for ${c.field} in ${JSON.stringify(r.causes)}`);
      continue;
    }
    t.equal(cause.reason, c.reason, `${c.name}: reason`);
    t.match(cause.message, c.message, `${c.name}: message`);
  }
});

t.test('every problem is reported at once', async (t) => {
  const r = validateSpec(instanceType, { ...provider, image: 'x', vcpus: 'two', memoryMiB: -1, runStrategy: 'Never', extra: true });
  t.notOk(r.ok);
  if (!r.ok) t.same(r.causes.map((c) => c.field).sort(), ['spec.extra', 'spec.memoryMiB', 'spec.runStrategy', 'spec.vcpus']);
});

t.test('unknown fields: Warn drops and warns, Ignore drops silently, Strict fails', async (t) => {
  const spec = { ...instance, memory: 1, networks: [{ networkRef: { name: 'n', kind: 'Network' } }] };
  const warn = validateSpec(instanceType, spec, { unknownFields: 'Warn' });
  t.ok(warn.ok);
  if (warn.ok) {
    t.same(warn.value.networks, [{ networkRef: { name: 'n' } }]);
    t.notOk('memory' in warn.value);
    t.same([...warn.warnings].sort(), ['unknown field "spec.memory"', 'unknown field "spec.networks[0].networkRef.kind"']);
  }
  t.same((spec.networks[0]?.networkRef as Record<string, unknown>).kind, 'Network', 'the input is not modified');
  const ignore = validateSpec(instanceType, spec, { unknownFields: 'Ignore' });
  t.ok(ignore.ok && ignore.warnings.length === 0);
  const strict = validateSpec(instanceType, spec, { unknownFields: 'Strict' });
  t.notOk(strict.ok);
  const stillBad = validateSpec(instanceType, { ...spec, vcpus: 0 }, { unknownFields: 'Ignore' });
  t.ok(!stillBad.ok && stillBad.causes.length === 1 && stillBad.causes[0]?.field === 'spec.vcpus', 'other errors remain');
});

t.test('status validation', async (t) => {
  const absent = validateStatus(instanceType, undefined);
  t.ok(absent.ok && absent.value === undefined, 'absent status stays absent');
  const good = validateStatus(instanceType, {
    conditions: [
      { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2024-05-01T12:00:00Z', observedGeneration: 3 },
      { type: 'Synced', status: 'False', reason: 'ReconcileError', message: 'boom', lastTransitionTime: '2024-05-01T12:00:00.123Z' },
    ],
    observedGeneration: 3,
    powerState: 'Running',
    addresses: ['10.0.0.7'],
    drift: [{ path: 'spec.vcpus', desired: 2, observed: { count: 4 }, firstSeen: '2024-05-01T12:00:00Z', lastSeen: '2024-05-01T12:05:00Z' }],
    lastOperation: { action: 'Create', handle: 'UPID:pve1:0001', state: 'Pending', startedAt: '2024-05-01T12:00:00Z' },
  });
  t.ok(good.ok, good.ok ? 'valid status' : JSON.stringify(good.causes));
  const bad: [unknown, string, RegExp][] = [
    [{ conditions: [{ type: 'Healthy', status: 'True' }] }, 'status.conditions[0].type', /"Ready", "Synced", "Drifted"/],
    [{ conditions: [{ type: 'Ready', status: 'yes' }] }, 'status.conditions[0].status', /"True", "False", "Unknown"/],
    [{ conditions: [{ type: 'Ready', status: 'True' }, { type: 'Ready', status: 'False' }] }, 'status.conditions[1].type', /Duplicate value: "Ready"/],
    [{ conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 'yesterday' }] }, 'status.conditions[0].lastTransitionTime', /RFC 3339/],
    [{ powerState: 'On' }, 'status.powerState', /Unsupported value: "On"/],
    [{ phase: 'Running', ip: '1.2.3.4' }, 'status.ip', /unknown field "ip"/],
  ];
  for (const [status, field, message] of bad) {
    const r = validateStatus(instanceType, status);
    const cause = r.ok ? undefined : r.causes.find((c) => c.field === field);
    t.ok(cause, `cause for ${field}`);
    if (cause !== undefined) t.match(cause.message, message);
  }
});
