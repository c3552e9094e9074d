/**
 * The audit policy and the log file on their own: kube's rule matching (first match wins; users, groups,
 * verbs, resources with subresource wildcards and names, namespaces, non-resource URLs; Secrets capped at
 * Metadata), bad policy files refused with the field named, size rotation keeping exactly N backups of the
 * newest lines, standard output, and a bounded queue that drops and counts instead of growing.
 */
import t from 'tap';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { InvalidError } from '../../src/errors/index.js';
import { AuditLogWriter, DEFAULT_AUDIT_POLICY, decideLevel, openAuditLog, parseAuditPolicy } from '../../src/auth/audit/index.js';
import type { RequestAttributes } from '../../src/auth/types.js';

const dir = await mkdtemp(join(tmpdir(), 'converge-audit-log-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

const user = (name: string, ...groups: string[]) => ({ name, groups: [...groups, 'system:authenticated'] });
const res = (verb: string, resource: string, more: Partial<RequestAttributes> = {}): RequestAttributes => ({
  user: user('alice'),
  verb,
  resourceRequest: true,
  group: 'converge.io',
  resource,
  namespace: 'default',
  path: '',
  ...more,
});
const nonRes = (path: string): RequestAttributes => ({ user: user('alice'), verb: 'get', resourceRequest: false, group: '', resource: '', path });

t.test('rule matching, first match wins', async (t) => {
  const policy = parseAuditPolicy(`
rules:
  - level: None
    users: [system:kube-probe]
  - level: None
    userGroups: [quiet-team]
  - level: RequestResponse
    verbs: [create]
    resources: [{group: converge.io, resources: [instances]}]
  - level: Request
    resources: [{group: converge.io, resources: ["*/status"]}]
  - level: Request
    resources: [{group: converge.io, resources: ["volumes/*"]}]
  - level: Request
    resources: [{group: converge.io, resources: [buckets], resourceNames: [logs]}]
  - level: Request
    namespaces: [prod]
  - level: Request
    resources: [{group: "", resources: [secrets]}]
  - level: Metadata
    nonResourceURLs: [/version, /openapi/*]
  - level: None
    nonResourceURLs: ["*"]
  - level: Metadata
`);
  const table: [string, RequestAttributes, string][] = [
    ['user matched by name', { ...res('get', 'instances'), user: user('system:kube-probe') }, 'None'],
    ['user matched by group', { ...res('create', 'instances'), user: user('carol', 'quiet-team') }, 'None'],
    ['RequestResponse is logged as Request', res('create', 'instances'), 'Request'],
    ['verb outside the rule falls through', res('update', 'instances'), 'Metadata'],
    ['"instances" does not match its subresource', res('create', 'instances', { subresource: 'journal' }), 'Metadata'],
    ['*/status matches any status', res('update', 'networks', { subresource: 'status' }), 'Request'],
    ['volumes/* matches a subresource of volumes', res('update', 'volumes', { subresource: 'status' }), 'Request'],
    ['volumes/* does not match volumes', res('update', 'volumes'), 'Metadata'],
    ['resourceNames match the name', res('update', 'buckets', { name: 'logs' }), 'Request'],
    ['resourceNames exclude other names', res('update', 'buckets', { name: 'data' }), 'Metadata'],
    ['group must match', res('update', 'buckets', { group: 'other.io', name: 'logs' }), 'Metadata'],
    ['namespace rule', res('patch', 'pools', { namespace: 'prod' }), 'Request'],
    ['secrets never above Metadata', res('create', 'secrets', { group: '', namespace: 'prod' }), 'Metadata'],
    ['secrets rule asking Request', res('update', 'secrets', { group: '' }), 'Metadata'],
    ['exact non-resource URL', nonRes('/version'), 'Metadata'],
    ['prefix non-resource URL', nonRes('/openapi/v2'), 'Metadata'],
    ['resource rules do not match non-resource paths', nonRes('/metrics'), 'None'],
  ];
  for (const [what, attributes, level] of table) t.equal(decideLevel(policy, attributes).level, level, what);
  t.equal(decideLevel(parseAuditPolicy('rules: []'), res('create', 'instances')).level, 'None', 'no rule matched: not logged');
  t.equal(decideLevel(DEFAULT_AUDIT_POLICY, res('delete', 'instances')).level, 'Metadata', 'default: Metadata for everything');
  t.equal(decideLevel(DEFAULT_AUDIT_POLICY, nonRes('/version')).level, 'Metadata');
  t.equal(decideLevel(parseAuditPolicy('{"omitStages": ["ResponseComplete"], "rules": [{"level": "Request"}]}'), res('create', 'instances')).level, 'None', 'JSON, stage omitted');
});

t.test('bad policy files are refused with the field named', async (t) => {
  const table: [string, RegExp][] = [
    ['rules:\n  - level: Everything\n', /rules\.0\.level/],
    ['rules:\n  - level: None\n    user: [bob]\n', /user/],
    ['rules:\n  - level: None\n    nonResourceURLs: [/x]\n    resources: [{group: ""}]\n', /both nonResourceURLs and resources/],
    ['apiVersion: audit.k8s.io/v2\nrules: []\n', /apiVersion/],
    ['rules: [\n', /not valid YAML/],
    ['kind: Policy\n', /rules/],
  ];
  for (const [text, message] of table) t.throws(() => parseAuditPolicy(text), InvalidError, text) && t.throws(() => parseAuditPolicy(text), { message });
  const file = join(dir, 'bad-policy.yaml');
  await (await import('node:fs/promises')).writeFile(file, 'rules:\n  - level: Loud\n');
  await t.rejects(openAuditLog({ path: join(dir, 'x.log'), policyFile: file }), { message: /bad-policy\.yaml: rules\.0\.level/ }, 'checked before the server starts');
});

t.test('size rotation keeps exactly N backups of the newest lines', async (t) => {
  const path = join(dir, 'audit.log');
  const writer = new AuditLogWriter({ path, maxSizeBytes: 1000, maxBackups: 2 });
  // 40 lines of exactly 100 bytes (with the newline): 10 per file, so 4 files' worth, of which 3 are kept.
  const line = (i: number) => `{"n":${String(i).padStart(3, '0')},"pad":"${'x'.repeat(81)}"}`;
  t.equal(line(0).length + 1, 100);
  for (let i = 0; i < 25; i++) writer.write(line(i));
  await writer.flush();
  for (let i = 25; i < 40; i++) writer.write(line(i));
  await writer.close();
  const files = (await readdir(dir)).filter((f) => f.startsWith('audit.log')).sort();
  t.same(files, ['audit.log', 'audit.log.1', 'audit.log.2'], 'the log and two backups, nothing older');
  const contents = await Promise.all(['audit.log.2', 'audit.log.1', 'audit.log'].map((f) => readFile(join(dir, f), 'utf8')));
  for (const [i, c] of contents.entries()) t.ok(Buffer.byteLength(c) <= 1000, `file ${i} within the size limit`);
  const kept = contents.join('').split('\n').filter((l) => l !== '');
  t.same(kept, Array.from({ length: 30 }, (_v, i) => line(i + 10)), 'the newest 30 lines, oldest first, none lost or repeated');
  for (const f of files) t.equal((await stat(join(dir, f))).mode & 0o777, 0o600, `${f} is private`);
  t.same(writer.stats, { written: 40, dropped: 0 });
  writer.write('after close');
  t.equal(writer.stats.dropped, 1, 'lines after close are dropped and counted');
});

t.test('"-" writes to standard output', async (t) => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const writer = new AuditLogWriter({ path: '-', stdout: out });
  writer.write('{"a":1}');
  writer.write('{"a":2}');
  await writer.close();
  t.equal(text, '{"a":1}\n{"a":2}\n');
});

t.test('a disk that cannot keep up costs lines, not memory', async (t) => {
  const errors: unknown[] = [];
  const writer = new AuditLogWriter({ path: join(dir, 'slow.log'), maxBufferedBytes: 1000, onError: (e) => errors.push(e) });
  for (let i = 0; i < 50; i++) writer.write('y'.repeat(99));
  await writer.close();
  t.equal(writer.stats.written + writer.stats.dropped, 50, 'every line is written or counted');
  // The first line went straight to the disk; 10 more (1000 bytes) waited for it; the other 39 were dropped.
  t.same(writer.stats, { written: 11, dropped: 39 }, 'at most 1000 bytes queued while a write was pending');
  t.equal(errors.length, 1, 'reported once, not once per line');
});

t.test('lines still queued when the process exits are written, not lost', async (t) => {
  const path = join(dir, 'exit.log');
  const script = `
    import { AuditLogWriter } from ${JSON.stringify(new URL('../../src/auth/audit/writer.ts', import.meta.url).pathname)};
    const writer = new AuditLogWriter({ path: ${JSON.stringify(path)} });
    for (let i = 0; i < 500; i++) writer.write(JSON.stringify({ n: i }));
    // Exit at once, as converge serve does after a SIGTERM, before the async writes could run.
    process.exit(0);
  `;
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.equal(run.status, 0, run.stderr);
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
  t.same(lines.map((l) => (JSON.parse(l) as { n: number }).n), Array.from({ length: 500 }, (_v, i) => i), 'all 500, in order');
});
