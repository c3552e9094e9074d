import t from 'tap';
import { findResourceType, resourceTypeForObject, resourceTypes } from '../../schemas/index.js';

t.test('the kinds and their names', async (t) => {
  t.same(
    resourceTypes.map((r) => [r.kind, r.plural, r.singular, [...r.shortNames], r.namespaced]),
    [
      ['Instance', 'instances', 'instance', ['inst'], true],
      ['Volume', 'volumes', 'volume', ['vol'], true],
      ['Bucket', 'buckets', 'bucket', ['bkt'], true],
      ['Network', 'networks', 'network', ['net'], true],
      ['Pool', 'pools', 'pool', ['pool'], true],
      ['IPAllocation', 'ipallocations', 'ipallocation', ['ipa'], true],
      ['ProviderConfig', 'providerconfigs', 'providerconfig', ['pc'], false],
      ['GitRepository', 'gitrepositories', 'gitrepository', ['gitrepo'], true],
    ],
  );
  for (const r of resourceTypes) {
    t.equal(r.group, 'converge.io');
    t.equal(r.version, 'v1alpha1');
    t.ok(r.categories.includes('converge'), `${r.kind} in category converge`);
    const managed = r.immutableFields.includes('spec.providerRef');
    t.equal(r.categories.includes('managed'), managed, `${r.kind}: category managed iff it has a providerRef`);
    t.ok(r.description.length > 20, `${r.kind} has a description`);
    const names = r.printerColumns.map((c) => c.name);
    t.same(names.slice(0, 2), ['READY', 'SYNCED'], `${r.kind} starts with READY, SYNCED`);
    t.equal(new Set(names).size, names.length, `${r.kind} column names are unique`);
    for (const c of r.printerColumns) t.match(c.jsonPath, /^\.(spec|status|metadata)[.[]/, `${r.kind} ${c.name} path`);
  }
  t.same(
    findResourceType({ kind: 'Instance' })?.printerColumns.filter((c) => c.priority !== 1).map((c) => c.name),
    ['READY', 'SYNCED', 'STATE', 'VCPUS', 'MEMORY', 'ADDRESS'],
  );
});

t.test('kubectl-style lookup', async (t) => {
  const cases: [Parameters<typeof findResourceType>[0], string | undefined][] = [
    [{ resource: 'inst' }, 'Instance'],
    [{ resource: 'instances' }, 'Instance'],
    [{ resource: 'instance' }, 'Instance'],
    [{ resource: 'Instance' }, 'Instance'],
    [{ resource: 'INSTANCES' }, 'Instance'],
    [{ resource: 'pc' }, 'ProviderConfig'],
    [{ resource: 'providerConfig' }, 'ProviderConfig'],
    [{ resource: 'instances.converge.io' }, 'Instance'],
    [{ resource: 'net.v1alpha1.converge.io' }, 'Network'],
    [{ resource: 'instances.example.com' }, undefined],
    [{ resource: 'pods' }, undefined],
    [{ group: 'converge.io', plural: 'volumes' }, 'Volume'],
    [{ group: 'converge.io', version: 'v1', plural: 'volumes' }, undefined],
    [{ group: 'other.io', kind: 'Volume' }, undefined],
    [{ kind: 'bucket' }, 'Bucket'],
    [{ shortName: 'bkt' }, 'Bucket'],
    [{ shortName: 'BKT' }, undefined],
  ];
  for (const [query, kind] of cases) t.equal(findResourceType(query)?.kind, kind, JSON.stringify(query));
  t.equal(resourceTypeForObject('converge.io/v1alpha1', 'Pool')?.plural, 'pools');
  t.equal(resourceTypeForObject('converge.io/v1alpha1', 'pool'), undefined, 'object kinds are exact');
  t.equal(resourceTypeForObject('v1', 'Pool'), undefined);
});
