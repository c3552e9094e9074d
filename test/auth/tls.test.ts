/**
 * `converge serve` is secure by default: HTTPS with a CA it makes on first start, an admin kubeconfig that
 * kubectl (1.20 and current) uses unmodified, 401 without credentials, client certificates (CN = user, O =
 * groups) signed by the CA, private keys mode 0600, the CA and admin token reused on restart, and plain HTTP
 * only when asked for on loopback.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createCa, issueCertificate } from '../../src/auth/tls/certs.js';
import { spawnServe } from '../helpers/cli.js';
import { runConverge } from '../helpers/converge-cli.js';
import { runKubectl } from '../helpers/kubectl.js';
import { serverFetch } from '../helpers/secure-fetch.js';
import { kubectls } from '../helpers/tools.js';

const dir = await mkdtemp(join(tmpdir(), 'converge-tls-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const dataDir = join(dir, 'data');
const INSTANCES = '/apis/converge.io/v1alpha1/namespaces/default/instances';

let serve = await spawnServe(['--api-only', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
t.teardown(() => serve.stop());
const ca = await readFile(join(dataDir, 'pki/ca.crt'), 'utf8');

t.test('HTTPS with a CA-signed server certificate; key files and credentials are 0600', async (t) => {
  t.match(serve.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const server = new X509Certificate(await readFile(join(dataDir, 'pki/server.crt')));
  t.ok(server.checkIssued(new X509Certificate(ca)) && server.verify(new X509Certificate(ca).publicKey), 'server cert signed by the CA');
  for (const name of ['localhost', '127.0.0.1', '::1']) t.match(server.subjectAltName ?? '', name === '::1' ? '0:0:0:0:0:0:0:1' : name, `SAN ${name}`);
  for (const file of ['pki/ca.key', 'pki/server.key', 'tokens.json', 'kubeconfig.yaml']) {
    t.equal((await stat(join(dataDir, file))).mode & 0o777, 0o600, `${file} is 0600`);
  }
  const kubeconfig = await readFile(serve.kubeconfig, 'utf8');
  t.match(kubeconfig, /certificate-authority-data: /);
  t.match(kubeconfig, /token: cvg_[0-9a-f]{16}\./);
  const tokens = await readFile(join(dataDir, 'tokens.json'), 'utf8');
  const secret = /token: cvg_[0-9a-f]{16}\.(\S+)/.exec(kubeconfig)?.[1] ?? 'missing';
  t.notOk(tokens.includes(secret), 'the token file does not hold the admin secret');
});

for (const { name: version, path: kubectl } of kubectls()) {
  t.test(`${version} with the generated kubeconfig works over TLS; without credentials 401`, async (t) => {
    const ok = await runKubectl(kubectl, ['apply', '-f', 'examples/instance.yaml'], { KUBECONFIG: serve.kubeconfig });
    t.equal(ok.code, 0, ok.stderr);
    const got = await runKubectl(kubectl, ['get', 'instances', '-o', 'name'], { KUBECONFIG: serve.kubeconfig });
    t.equal(got.code, 0, got.stderr);
    t.match(got.stdout, /^instance\.converge\.io\//m);

    const anonymous = join(dir, `anonymous-${version}.yaml`);
    await writeFile(
      anonymous,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: serve.url, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
        // A user name and nothing else: kubectl sends no usable credentials and does not prompt for any.
        users: [{ name: 'u', user: { username: 'nobody' } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
    );
    const denied = await runKubectl(kubectl, ['get', 'instances', '-v=6'], { KUBECONFIG: anonymous });
    t.not(denied.code, 0, 'kubectl fails without credentials');
    t.match(denied.stderr, / 401 Unauthorized/, 'the server answered 401');
    const bogus = await runKubectl(kubectl, ['get', 'instances', '--token', 'cvg_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], { KUBECONFIG: serve.kubeconfig });
    t.not(bogus.code, 0);
    t.match(bogus.stderr, /Unauthorized/);
  });
}

t.test('health probes are public, everything else needs credentials', async (t) => {
  const anon = { caPem: ca };
  t.equal((await serverFetch(`${serve.url}/livez`, { as: anon })).status, 200);
  t.equal((await serverFetch(`${serve.url}/readyz`, { as: anon })).status, 200);
  const res = await serverFetch(`${serve.url}${INSTANCES}`, { as: anon });
  t.equal(res.status, 401);
  t.match(await res.json(), { kind: 'Status', code: 401, reason: 'Unauthorized' });
  t.equal((await serverFetch(`${serve.url}/metrics`, { as: anon })).status, 401, '/metrics too');
  await t.rejects(serverFetch(`${serve.url}/livez`, { as: {} }), 'a client that does not trust the CA refuses the server');
});

t.test('client certificates: CN is the user, O the groups; another CA is refused', async (t) => {
  const masters = join(dir, 'ops');
  const made = await runConverge(['cert', 'create', '--data-dir', dataDir, '--user', 'ops', '--group', 'system:masters', '--out', masters]);
  t.equal(made.code, 0, made.stderr);
  t.equal((await stat(`${masters}.key`)).mode & 0o777, 0o600, 'client key 0600');
  const asOps = { caPem: ca, certPem: await readFile(`${masters}.crt`, 'utf8'), keyPem: await readFile(`${masters}.key`, 'utf8') };
  t.equal((await serverFetch(`${serve.url}${INSTANCES}`, { as: asOps })).status, 200, 'O=system:masters may list');

  const plain = join(dir, 'dev-bob');
  t.equal((await runConverge(['cert', 'create', '--data-dir', dataDir, '--user', 'bob', '--group', 'dev', '--out', plain])).code, 0);
  const asBob = { caPem: ca, certPem: await readFile(`${plain}.crt`, 'utf8'), keyPem: await readFile(`${plain}.key`, 'utf8') };
  const bob = await serverFetch(`${serve.url}${INSTANCES}`, { as: asBob });
  t.equal(bob.status, 403, 'authenticated as bob, who may not');
  t.match(((await bob.json()) as { message: string }).message, /User "bob" cannot list resource "instances"/);

  const otherCa = createCa({ commonName: 'someone-else' });
  const forged = issueCertificate({ ca: otherCa, commonName: 'admin', organizations: ['system:masters'], usage: 'client' });
  const res = await serverFetch(`${serve.url}${INSTANCES}`, { as: { caPem: ca, certPem: forged.certPem, keyPem: forged.keyPem } });
  t.equal(res.status, 401, 'a certificate from another CA is refused');

  // kubectl with the client certificate instead of the token.
  const [{ path: kubectl } = { path: 'kubectl' }] = kubectls().slice(-1);
  const withCert = await runKubectl(kubectl, ['--kubeconfig', serve.kubeconfig, '--token', '', '--client-certificate', `${masters}.crt`, '--client-key', `${masters}.key`, 'get', 'instances']);
  t.equal(withCert.code, 0, withCert.stderr);
});

t.test('a restart reuses the CA, the server certificate and the admin token', async (t) => {
  const before = { ca, server: await readFile(join(dataDir, 'pki/server.crt'), 'utf8'), kubeconfig: await readFile(serve.kubeconfig, 'utf8') };
  t.equal(await serve.stop(), 0);
  serve = await spawnServe(['--api-only', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  t.equal(await readFile(join(dataDir, 'pki/ca.crt'), 'utf8'), before.ca, 'same CA');
  t.equal(await readFile(join(dataDir, 'pki/server.crt'), 'utf8'), before.server, 'same server certificate');
  const token = (text: string) => /token: (\S+)/.exec(text)?.[1];
  t.equal(token(await readFile(serve.kubeconfig, 'utf8')), token(before.kubeconfig), 'same admin token');
  t.equal((await serverFetch(`${serve.url}${INSTANCES}`)).status, 200);

  // Another listen address: a new server certificate covering it, from the same CA.
  t.equal(await serve.stop(), 0);
  serve = await spawnServe(['--api-only', '--data-dir', dataDir, '--listen', '127.0.0.2:0']);
  t.equal(await readFile(join(dataDir, 'pki/ca.crt'), 'utf8'), before.ca, 'same CA');
  const reissued = new X509Certificate(await readFile(join(dataDir, 'pki/server.crt')));
  t.ok(reissued.checkIP('127.0.0.2'), 'the new certificate covers the new listen address');
  t.equal((await serverFetch(`${serve.url}${INSTANCES}`)).status, 200, 'kubeconfig still valid');
});

t.test('--insecure-http: plain HTTP without authentication, only on loopback', async (t) => {
  const refused = await runConverge(['serve', '--insecure-http', '--data-dir', join(dir, 'insecure'), '--listen', '0.0.0.0:0']);
  t.equal(refused.code, 2);
  t.equal(refused.stderr.trimEnd().split('\n').length, 1, `one line: ${refused.stderr}`);
  t.match(refused.stderr, /--insecure-http .*only allowed on a loopback address/);
  const open = await spawnServe(['--api-only', '--insecure-http', '--data-dir', join(dir, 'insecure'), '--listen', '127.0.0.1:0']);
  t.teardown(() => open.stop());
  t.match(open.url, /^http:\/\//);
  t.equal((await fetch(`${open.url}${INSTANCES}`)).status, 200);
});

t.test('--tls-cert/--tls-key serve the operator certificate; client certificates still verified by the cluster CA', async (t) => {
  const operatorCa = createCa({ commonName: 'operator-ca' });
  const cert = issueCertificate({ ca: operatorCa, commonName: 'converge.example', usage: 'server', hosts: ['127.0.0.1', 'converge.example'] });
  await writeFile(join(dir, 'op.crt'), cert.certPem);
  await writeFile(join(dir, 'op.key'), cert.keyPem, { mode: 0o600 });
  const opDir = join(dir, 'operator');
  const op = await spawnServe(['--api-only', '--data-dir', opDir, '--listen', '127.0.0.1:0', '--tls-cert', join(dir, 'op.crt'), '--tls-key', join(dir, 'op.key')]);
  t.teardown(() => op.stop());
  const kubeconfig = await readFile(op.kubeconfig, 'utf8');
  t.notMatch(kubeconfig, /certificate-authority-data/, 'the kubeconfig trusts the system roots, not our CA, for a foreign certificate');
  const res = await serverFetch(`${op.url}${INSTANCES}`, { as: { caPem: operatorCa.certPem, ...(op.credentials.token !== undefined ? { token: op.credentials.token } : {}) } });
  t.equal(res.status, 200, 'served with the operator certificate; the admin token works');
  await t.rejects(serverFetch(`${op.url}/livez`, { as: { caPem: await readFile(join(opDir, 'pki/ca.crt'), 'utf8') } }), 'not the cluster CA\'s certificate');
  const half = await runConverge(['serve', '--data-dir', opDir, '--listen', '127.0.0.1:0', '--tls-cert', join(dir, 'op.crt')]);
  t.equal(half.code, 2);
  t.match(half.stderr, /--tls-cert and --tls-key must be given together/);
});
