/**
 * The audit log end to end: every mutating request (create, update, patch, delete, deletecollection, the
 * denied and unauthenticated ones too) is one `audit.k8s.io/v1` Event line in the file with user, verb,
 * resource, namespace, name, code and latency; the policy's levels hold (None drops, Request keeps the body
 * without managedFields, Secrets never keep theirs); the file is private; and an audit log that cannot be
 * written never fails a request.
 */
import t from 'tap';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnauthorizedError } from '../../src/errors/index.js';
import { AuditLogWriter, PolicyAuditSink, parseAuditPolicy, type AuditEvent } from '../../src/auth/audit/index.js';
import type { ApiSecurity, RequestAttributes } from '../../src/auth/types.js';
import { startTestServer } from '../helpers/server.js';

const dir = await mkdtemp(join(tmpdir(), 'converge-audit-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

const policy = parseAuditPolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitManagedFields: true
rules:
  - level: None
    users: [quiet]
  - level: None
    nonResourceURLs: [/version]
  # Secrets asked at Request on purpose: the sink must still never log their bodies.
  - level: Request
    resources:
      - group: converge.io
        resources: [instances]
      - group: ""
        resources: [secrets]
  - level: Metadata
`);

const authenticator: ApiSecurity['authenticator'] = {
  async authenticate(req: IncomingMessage) {
    const header = req.headers.authorization;
    if (header === undefined) return undefined;
    const user = /^Bearer (alice|bob|quiet)$/.exec(header)?.[1];
    if (user === undefined) throw new UnauthorizedError();
    return { name: user, groups: [`team-${user}`, 'system:authenticated'] };
  },
};
const authorizer: ApiSecurity['authorizer'] = {
  async authorize(a: RequestAttributes) {
    if (a.user.name !== 'bob') return { allowed: true, reason: 'test' };
    return { allowed: a.verb === 'get' || a.verb === 'list', reason: 'bob reads only' };
  },
};

const logPath = join(dir, 'audit.log');
const writer = new AuditLogWriter({ path: logPath });
const server = await startTestServer({ security: () => ({ authenticator, authorizer, audit: new PolicyAuditSink({ policy, writer }) }) });
t.teardown(() => server.stop());

const call = async (path: string, token: string | undefined, method = 'GET', body?: unknown, contentType = 'application/json') => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': contentType },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const instances = '/apis/converge.io/v1alpha1/namespaces/default/instances';
const instance = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Instance',
  metadata: { name, labels },
  spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 64 },
});
const CANARY = 'canary-7f3a9d2e-audit-secret';

async function readEvents(): Promise<AuditEvent[]> {
  await writer.flush();
  const text = await readFile(logPath, 'utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditEvent);
}

/** What each mutating request is expected to leave: user, verb, object name, code. */
const expected: [string, string, string | undefined, number][] = [];

t.test('mutations, allowed and refused', async (t) => {
  const steps: [string, () => Promise<{ status: number }>, [string, string, string | undefined, number]][] = [
    ['create', () => call(instances, 'alice', 'POST', instance('web')), ['alice', 'create', 'web', 201]],
    ['denied create', () => call(instances, 'bob', 'POST', instance('bobs')), ['bob', 'create', undefined, 403]],
    ['unauthenticated create', () => call(instances, undefined, 'POST', instance('anon')), ['system:anonymous', 'create', undefined, 401]],
    ['patch', () => call(`${instances}/web`, 'alice', 'PATCH', { metadata: { labels: { tier: 'front' } } }, 'application/merge-patch+json'), ['alice', 'patch', 'web', 200]],
    ['denied delete', () => call(`${instances}/web`, 'bob', 'DELETE'), ['bob', 'delete', 'web', 403]],
    [
      'update',
      async () => {
        const live = await call(`${instances}/web`, 'alice');
        // The live object carries managedFields; the policy's omitManagedFields keeps them out of the log.
        t.ok((live.body.metadata as { managedFields?: unknown }).managedFields, 'the PUT body carries managedFields');
        return call(`${instances}/web`, 'alice', 'PUT', { ...live.body, spec: { ...(live.body.spec as object), vcpus: 2 } });
      },
      ['alice', 'update', 'web', 200],
    ],
    ['delete', () => call(`${instances}/web`, 'alice', 'DELETE'), ['alice', 'delete', 'web', 200]],
    ['create a', () => call(instances, 'alice', 'POST', instance('a', { batch: 'x' })), ['alice', 'create', 'a', 201]],
    ['create b', () => call(instances, 'alice', 'POST', instance('b', { batch: 'x' })), ['alice', 'create', 'b', 201]],
    ['deletecollection', () => call(`${instances}?labelSelector=batch%3Dx`, 'alice', 'DELETE'), ['alice', 'deletecollection', undefined, 200]],
    ['delete missing', () => call(`${instances}/gone`, 'alice', 'DELETE'), ['alice', 'delete', 'gone', 404]],
    [
      'patch at level Metadata',
      () => call('/apis/converge.io/v1alpha1/namespaces/default/volumes/none', 'alice', 'PATCH', { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json'),
      ['alice', 'patch', 'none', 404],
    ],
    [
      'secret create',
      () => call('/api/v1/namespaces/default/secrets', 'alice', 'POST', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: CANARY } }),
      ['alice', 'create', 'creds', 201],
    ],
  ];
  for (const [what, step, expect] of steps) {
    t.equal((await step()).status, expect[3], what);
    expected.push(expect);
  }
  t.equal((await call(instances, 'quiet', 'POST', instance('hushed'))).status, 201, 'a request the policy drops still succeeds');
  t.equal((await call('/version', 'alice')).status, 200);
  t.equal((await call(instances, 'alice')).status, 200);
});

t.test('every mutating request is exactly one line with who, what, where, code and latency', async (t) => {
  const events = await readEvents();
  const mutating = events.filter((e) => ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(e.verb));
  t.equal(mutating.length, expected.length, 'one line per mutating request, nothing twice, nothing extra');
  for (const [user, verb, name, code] of expected) {
    const matches = mutating.filter((e) => e.user.username === user && e.verb === verb && e.objectRef?.name === name && e.responseStatus.code === code);
    t.equal(matches.length, 1, `${user} ${verb} ${name ?? '(collection)'} → ${code}`);
  }
  const create = mutating[0];
  t.match(create, {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Request',
    stage: 'ResponseComplete',
    requestURI: instances,
    verb: 'create',
    user: { username: 'alice', groups: ['team-alice', 'system:authenticated'] },
    sourceIPs: ['127.0.0.1'],
    objectRef: { resource: 'instances', namespace: 'default', name: 'web', apiGroup: 'converge.io', apiVersion: 'v1alpha1' },
    responseStatus: { code: 201 },
    requestObject: { metadata: { name: 'web' }, spec: { image: 'debian-12' } },
  });
  t.ok(typeof create?.latencyMs === 'number' && create.latencyMs > 0 && create.latencyMs < 10_000, `latency ${create?.latencyMs} ms`);
  t.match(create?.requestReceivedTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime');
  t.ok((create?.stageTimestamp ?? '') >= (create?.requestReceivedTimestamp ?? ''), 'completed after it was received');
  t.equal(new Set(events.map((e) => e.auditID)).size, events.length, 'auditIDs are unique');
  t.match(mutating.find((e) => e.responseStatus.code === 401), { user: { username: 'system:anonymous' }, objectRef: { resource: 'instances' } });

  const update = mutating.find((e) => e.verb === 'update');
  t.match(update?.requestObject, { spec: { vcpus: 2 } }, 'update body at level Request');
  t.notOk((update?.requestObject as { metadata?: { managedFields?: unknown } } | undefined)?.metadata?.managedFields, 'managedFields omitted');
  t.match(mutating.find((e) => e.verb === 'patch')?.requestObject, { metadata: { labels: { tier: 'front' } } });
});

t.test('policy levels: None drops, Metadata has no body, Secrets never have one', async (t) => {
  const events = await readEvents();
  t.equal(events.filter((e) => e.user.username === 'quiet').length, 0, 'level None: no line');
  t.equal(events.filter((e) => e.requestURI === '/version').length, 0, 'nonResourceURLs None: no line');
  const secret = events.find((e) => e.objectRef?.resource === 'secrets');
  t.match(secret, { level: 'Metadata', verb: 'create', objectRef: { resource: 'secrets', name: 'creds', apiGroup: '', apiVersion: 'v1', namespace: 'default' }, responseStatus: { code: 201 } });
  t.notOk(secret !== undefined && 'requestObject' in secret, 'no secret body even though the policy asked for Request');
  const text = await readFile(logPath, 'utf8');
  t.notOk(text.includes(CANARY) || text.includes(Buffer.from(CANARY).toString('base64')), 'the secret value appears nowhere in the log');
  const metadataOnly = events.find((e) => e.objectRef?.resource === 'volumes' && e.verb === 'patch');
  t.match(metadataOnly, { level: 'Metadata', objectRef: { name: 'none' }, responseStatus: { code: 404 } });
  t.notOk(metadataOnly !== undefined && 'requestObject' in metadataOnly, 'Metadata: no body');
  t.equal((await stat(logPath)).mode & 0o777, 0o600, 'the log is private');
});

t.test('an audit log that cannot be written costs lines, never requests', async (t) => {
  const broken = new AuditLogWriter({ path: join(dir, 'missing-dir', 'audit.log') });
  const throwing = { write: () => { throw new Error('disk on fire'); } };
  const errors: unknown[] = [];
  for (const w of [broken, throwing]) {
    const s = await startTestServer({ security: () => ({ authenticator, authorizer, audit: new PolicyAuditSink({ policy, writer: w, onError: (e) => errors.push(e) }) }) });
    try {
      const res = await fetch(`${s.url}${instances}`, { method: 'POST', headers: { authorization: 'Bearer alice', 'content-type': 'application/json' }, body: JSON.stringify(instance('ok')) });
      t.equal(res.status, 201);
    } finally {
      await s.stop();
    }
  }
  await broken.flush();
  t.equal(broken.stats.dropped, 1, 'the unwritable line is counted as dropped');
  t.equal(errors.length, 1, 'the throwing writer was reported, not propagated');
});
