import t from 'tap';
import { MAX_ANNOTATIONS_BYTES, validateMetadata } from '../../schemas/metadata.js';

const ns = { namespaced: true };

t.test('valid metadata has no causes', async (t) => {
  const cases: [string, unknown, { namespaced: boolean }][] = [
    ['minimal', { name: 'web-1', namespace: 'default' }, ns],
    ['dotted name', { name: 'web.example.com', namespace: 'team-a' }, ns],
    ['generateName only', { generateName: 'web-', namespace: 'default' }, ns],
    ['cluster-scoped ignores namespace', { name: 'default', namespace: 'whatever' }, { namespaced: false }],
    ['cluster-scoped without namespace', { name: 'default' }, { namespaced: false }],
    [
      'labels, annotations, finalizers, owners',
      {
        name: 'a',
        namespace: 'b',
        labels: { 'app.kubernetes.io/name': 'web', tier: '', 'x_y.z': 'A-b_c.9' },
        annotations: { 'converge.io/note': 'anything at all: ✓', Note: 'x' },
        finalizers: ['converge.io/external-resource', 'kubernetes'],
        ownerReferences: [{ apiVersion: 'converge.io/v1alpha1', kind: 'Pool', name: 'lab', uid: 'u1', controller: true }],
        creationTimestamp: null,
        generation: 3,
        resourceVersion: '42',
        uid: 'abc',
      },
      ns,
    ],
  ];
  for (const [name, meta, opts] of cases) t.strictSame(validateMetadata(meta, opts), [], name);
});

t.test('invalid metadata names the field and says what is allowed', async (t) => {
  const cases: [string, unknown, { namespaced: boolean }, string, string, RegExp][] = [
    ['not an object', 'web', ns, 'metadata', 'FieldValueTypeInvalid', /expected object, got string/],
    ['missing', undefined, ns, 'metadata', 'FieldValueRequired', /Required value/],
    ['no name', { namespace: 'default' }, ns, 'metadata.name', 'FieldValueRequired', /name or generateName is required/],
    [
      'uppercase and underscore',
      { name: 'Web_1', namespace: 'default' },
      ns,
      'metadata.name',
      'FieldValueInvalid',
      /^Invalid value: "Web_1": not a valid DNS-1123 subdomain: use lowercase letters, digits, '-' and '\.', starting and ending with a letter or digit$/,
    ],
    ['trailing dash', { name: 'web-', namespace: 'default' }, ns, 'metadata.name', 'FieldValueInvalid', /DNS-1123 subdomain/],
    ['too long', { name: 'a'.repeat(254), namespace: 'default' }, ns, 'metadata.name', 'FieldValueInvalid', /no more than 253 characters/],
    ['name of wrong type', { name: 7, namespace: 'default' }, ns, 'metadata.name', 'FieldValueTypeInvalid', /expected string, got number/],
    ['bad generateName', { generateName: 'Web_', namespace: 'default' }, ns, 'metadata.generateName', 'FieldValueInvalid', /DNS-1123/],
    ['namespace required', { name: 'a' }, ns, 'metadata.namespace', 'FieldValueRequired', /Required value/],
    ['namespace is a label', { name: 'a', namespace: 'team.a' }, ns, 'metadata.namespace', 'FieldValueInvalid', /DNS-1123 label/],
    ['labels must be a map', { name: 'a', namespace: 'b', labels: ['x'] }, ns, 'metadata.labels', 'FieldValueTypeInvalid', /map of string to string/],
    ['label value must be a string', { name: 'a', namespace: 'b', labels: { tier: 1 } }, ns, 'metadata.labels.tier', 'FieldValueTypeInvalid', /expected string, got number/],
    ['bad label key', { name: 'a', namespace: 'b', labels: { 'bad key': 'x' } }, ns, 'metadata.labels[bad key]', 'FieldValueInvalid', /label key not a qualified name/],
    ['bad label key prefix', { name: 'a', namespace: 'b', labels: { 'Example.com/x': 'y' } }, ns, 'metadata.labels[Example.com/x]', 'FieldValueInvalid', /invalid prefix "Example.com"/],
    ['label key name too long', { name: 'a', namespace: 'b', labels: { ['k'.repeat(64)]: 'y' } }, ns, `metadata.labels.${'k'.repeat(64)}`, 'FieldValueInvalid', /longer than 63/],
    ['bad label value', { name: 'a', namespace: 'b', labels: { tier: 'front end' } }, ns, 'metadata.labels.tier', 'FieldValueInvalid', /label value not a valid label value/],
    ['label value too long', { name: 'a', namespace: 'b', labels: { tier: 'x'.repeat(64) } }, ns, 'metadata.labels.tier', 'FieldValueInvalid', /no more than 63/],
    [
      'annotations too large',
      { name: 'a', namespace: 'b', annotations: { big: 'x'.repeat(MAX_ANNOTATIONS_BYTES) } },
      ns,
      'metadata.annotations',
      'FieldValueTooLong',
      /at most 262144 bytes/,
    ],
    ['bad finalizer', { name: 'a', namespace: 'b', finalizers: ['converge.io/a/b'] }, ns, 'metadata.finalizers[0]', 'FieldValueInvalid', /qualified name/],
    ['finalizers must be strings', { name: 'a', namespace: 'b', finalizers: [1] }, ns, 'metadata.finalizers[0]', 'FieldValueTypeInvalid', /expected string/],
    ['both GC finalizers', { name: 'a', namespace: 'b', finalizers: ['orphan', 'foregroundDeletion'] }, ns, 'metadata.finalizers', 'FieldValueInvalid', /orphan and foregroundDeletion cannot be both set/],
    ['owner apiVersion without version', { name: 'a', namespace: 'b', ownerReferences: [{ apiVersion: 'converge.io/', kind: 'X', name: 'x', uid: 'u' }] }, ns, 'metadata.ownerReferences[0].apiVersion', 'FieldValueInvalid', /version must not be empty/],
    ['owner apiVersion with two slashes', { name: 'a', namespace: 'b', ownerReferences: [{ apiVersion: 'a/b/c', kind: 'X', name: 'x', uid: 'u' }] }, ns, 'metadata.ownerReferences[0].apiVersion', 'FieldValueInvalid', /version must not be empty/],
    ['owner without uid', { name: 'a', namespace: 'b', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x' }] }, ns, 'metadata.ownerReferences[0].uid', 'FieldValueRequired', /Required/],
    [
      'two controllers',
      { name: 'a', namespace: 'b', ownerReferences: [1, 2].map((i) => ({ apiVersion: 'v1', kind: 'X', name: `x${i}`, uid: `u${i}`, controller: true })) },
      ns,
      'metadata.ownerReferences',
      'FieldValueInvalid',
      /only one reference/,
    ],
    ['negative generation', { name: 'a', namespace: 'b', generation: -1 }, ns, 'metadata.generation', 'FieldValueInvalid', /at least 0/],
    ['bad timestamp', { name: 'a', namespace: 'b', creationTimestamp: 'yesterday' }, ns, 'metadata.creationTimestamp', 'FieldValueInvalid', /RFC 3339/],
    ['unknown field', { name: 'a', namespace: 'b', label: {} }, ns, 'metadata.label', 'FieldValueForbidden', /unknown field "label"/],
    ['managedFields operation', { name: 'a', namespace: 'b', managedFields: [{ manager: 'k', operation: 'Merge' }] }, ns, 'metadata.managedFields[0].operation', 'FieldValueNotSupported', /"Apply", "Update"/],
  ];
  for (const [name, meta, opts, field, reason, message] of cases) {
    const causes = validateMetadata(meta, opts);
    const cause = causes.find((c) => c.field === field);
    if (cause === undefined) {
      t.fail(`${name}: no cause for ${field} in ${JSON.stringify(causes)}`);
      continue;
    }
    t.equal(cause.reason, reason, `${name}: reason`);
    t.match(cause.message, message, `${name}: message`);
  }
});

t.test('unknown metadata fields can be allowed', async (t) => {
  t.strictSame(validateMetadata({ name: 'a', namespace: 'b', selfLinkz: 'x' }, { namespaced: true, rejectUnknown: false }), []);
});
