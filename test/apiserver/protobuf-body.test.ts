/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`, what current kubectl sends for
 * `create rolebinding`): decoded for the RBAC kinds and Secrets as kube's JSON would read — Go's zero values
 * and zero times omitted, bytes as base64 — and refused with a reason otherwise. Real kubectl's bodies are
 * covered by test/auth/rbac-kubectl.test.ts; here the envelope and the bad cases, built with protobufjs.
 */
import protobuf from 'protobufjs';
import t from 'tap';
import { KUBE_PROTO } from '../../src/apiserver/protobuf/kube-proto.js';
import { startTestServer } from '../helpers/server.js';

const server = await startTestServer();
t.teardown(() => server.stop());

const root = protobuf.parse(KUBE_PROTO, { keepCase: true }).root;
const MAGIC = Buffer.from('k8s\0', 'latin1');

/** Encodes `message` of `kind` in kube's envelope, with Go's habit of writing empty strings and zero times. */
function envelope(apiVersion: string, kind: string, message: Record<string, unknown>): Buffer {
  const type = root.lookupType(`kube.${kind}`);
  return wrap(apiVersion, kind, type.encode(type.fromObject(message)).finish());
}

function wrap(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const unknown = root.lookupType('kube.Unknown');
  return Buffer.concat([MAGIC, unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish()]);
}

const post = async (path: string, body: Buffer, contentType = 'application/vnd.kubernetes.protobuf') => {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/json' }, body: new Uint8Array(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const goMeta = (name: string) => ({ name, generateName: '', namespace: '', selfLink: '', uid: '', resourceVersion: '', generation: 0, creationTimestamp: { seconds: 0, nanos: 0 }, deletionGracePeriodSeconds: 0 });

t.test('a RoleBinding and a Secret decode to what their JSON would create', async (t) => {
  const binding = envelope('rbac.authorization.k8s.io/v1', 'RoleBinding', {
    metadata: { ...goMeta('readers'), labels: { team: 'a' } },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'readers', namespace: '' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
  });
  const created = await post('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', binding);
  t.equal(created.status, 201, JSON.stringify(created.body));
  const meta = created.body['metadata'] as Record<string, unknown>;
  t.equal(meta['namespace'], 'default', 'an empty namespace is the request\'s namespace, as in JSON');
  t.same(meta['labels'], { team: 'a' });
  t.notMatch(String(meta['creationTimestamp']), /^1970/, 'Go\'s zero time is not taken as a timestamp');
  t.same(created.body['subjects'], [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'readers' }]);

  const secret = envelope('v1', 'Secret', { metadata: goMeta('creds'), data: { password: Buffer.from('hunter2') }, type: 'Opaque', immutable: false });
  const stored = await post('/api/v1/namespaces/default/secrets', secret);
  t.equal(stored.status, 201, JSON.stringify(stored.body));
  t.same(stored.body['data'], { password: Buffer.from('hunter2').toString('base64') });
});

t.test('bad protobuf bodies are 400, 415 or 422 with the reason, nothing stored', async (t) => {
  const cases: { name: string; path: string; body: Buffer; status: number; message: RegExp }[] = [
    { name: 'no magic prefix', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', body: Buffer.from([1, 2, 3]), status: 400, message: /missing the "k8s\\0" prefix/ },
    { name: 'garbage after the prefix', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', body: Buffer.concat([MAGIC, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f])]), status: 400, message: /^protobuf body: / },
    { name: 'a kind not taken as protobuf', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', body: wrap('v1', 'Event', new Uint8Array()), status: 400, message: /v1\/Event is not accepted as protobuf; send application\/json/ },
    { name: 'a Converge kind (custom resources are JSON only, as CRDs in kube)', path: '/apis/converge.io/v1alpha1/namespaces/default/instances', body: envelope('rbac.authorization.k8s.io/v1', 'Role', { metadata: goMeta('x') }), status: 415, message: /accepted media types include: application\/json, application\/yaml/ },
    { name: 'a Secret sent to rolebindings', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', body: envelope('v1', 'Secret', { metadata: goMeta('wrong') }), status: 422, message: /kind: expected "RoleBinding", got "Secret"/ },
  ];
  for (const c of cases) {
    const res = await post(c.path, c.body);
    t.equal(res.status, c.status, `${c.name}: ${JSON.stringify(res.body)}`);
    t.match(String(res.body['message']), c.message, c.name);
  }
  const list = await fetch(`${server.url}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings`);
  const names = ((await list.json()) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
  t.same(names, ['readers'], 'only the good binding of the first test exists');
});
