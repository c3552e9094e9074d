/**
 * Drift and management policies end to end: a real `converge serve` on the simulated cloud, the CLI, and
 * out-of-band changes made through the sim admin endpoint (`converge sim`), as a user would try them.
 */
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { HttpApiClient } from '../../src/client/http.js';
import { findResourceType, servedTypes } from '../../schemas/index.js';
import { startCliFixture, type CliResult } from '../helpers/converge-cli.js';
import { serverFetch } from '../helpers/secure-fetch.js';

const { serve, cli } = await startCliFixture(t);
const kc = new KubeConfig();
kc.loadFromFile(serve.kubeconfig);
// Probes go straight to the API (a CLI process per probe would make the timing measure process start-up).
const api = new HttpApiClient(kc);
t.teardown(() => api.close());
const POLL_MS = 2000;
/** A poll happens within pollInterval +10% jitter; allow for one reconcile and the CLI round trips. */
const DETECTION_BUDGET_MS = POLL_MS * 1.1 + 2500;

function ok(t: Test, res: CliResult, what: string): string {
  t.equal(res.code, 0, `${what}: ${res.stderr}`);
  return res.stdout;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface SimGet {
  name: string;
  fields: Record<string, unknown>;
}

function typeOf(ref: string) {
  const [kind = '', name = ''] = ref.split('/');
  const type = findResourceType({ resource: kind }, servedTypes);
  if (type === undefined) throw new Error(`unknown kind ${kind}`);
  return { type, name };
}

/** The simulated resource behind an object, read from the sim admin endpoint; undefined when it is gone. */
async function simFields(ref: string): Promise<Record<string, unknown> | undefined> {
  const { type, name } = typeOf(ref);
  let obj;
  try {
    obj = await api.get(type, 'default', name);
  } catch {
    return undefined;
  }
  const external = obj.status?.['externalName'];
  if (typeof external !== 'string') return undefined;
  try {
    return (await api.request<SimGet>('GET', `/sim/v1/clouds/default/${type.plural}/${external}`)).fields;
  } catch {
    return undefined;
  }
}

async function statusOf(ref: string): Promise<Record<string, unknown>> {
  const { type, name } = typeOf(ref);
  return (await api.get(type, 'default', name)).status ?? {};
}

/** Sum of a counter's samples whose labels match every given label. */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await serverFetch(`${serve.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

function instance(name: string, extra: string): string {
  return `apiVersion: converge.io/v1alpha1
kind: Instance
metadata: {name: ${name}, namespace: default}
spec: {providerRef: {name: default}, image: debian-12, vcpus: 2, memoryMiB: 2048, pollInterval: 2s${extra}}
`;
}

async function apply(yaml: string): Promise<void> {
  const { runConverge } = await import('../helpers/converge-cli.js');
  const res = await runConverge(['apply', '-f', '-', '--wait', '--timeout', '60s'], { env: { KUBECONFIG: serve.kubeconfig }, stdin: yaml });
  if (res.code !== 0) throw new Error(`apply failed: ${res.stderr}`);
}

t.test('driftPolicy Correct: an out-of-band change is detected within pollInterval, recorded and corrected', async (t) => {
  await apply(instance('fix', ''));
  const before = await metric('converge_drift_detected_total', { kind: 'Instance' });
  const external = String((await statusOf('instance/fix'))['externalName']);
  const injected = Date.now();
  await api.request('PATCH', `/sim/v1/clouds/default/instances/${external}`, { memoryMiB: 1024 });
  await until('the simulated memory back at 2048', async () => ((await simFields('instance/fix'))?.['memoryMiB'] === 2048 ? true : undefined));
  const took = Date.now() - injected;
  t.ok(took <= DETECTION_BUDGET_MS, `corrected ${took} ms after the change (pollInterval 2s; budget ${DETECTION_BUDGET_MS} ms)`);

  const events = ok(t, await cli('events', '--for', 'instance/fix'), 'events');
  t.match(events, /Warning\s+DriftDetected\s+instance\/fix\s+external resource differs from the spec: spec\.memoryMiB: want 2048, found 1024/);
  t.match(events, /Normal\s+DriftCorrected\s+instance\/fix\s+corrected spec\.memoryMiB/);
  t.equal(await metric('converge_drift_detected_total', { kind: 'Instance' }), before + 1, 'converge_drift_detected_total counted it once');
  const journal = ok(t, await cli('journal', 'instance/fix'), 'journal');
  t.match(journal, /Update\s+Succeeded\s+\S+\s+ci-\w+\s+set spec\.memoryMiB/, 'the correction is journaled');
  const status = await statusOf('instance/fix');
  t.notOk(status['drift'], 'no drift left in status');
});

t.test('driftPolicy Report: the drift stays, in status, condition and `converge drift`, and is never corrected', async (t) => {
  await apply(instance('watched', ', driftPolicy: Report'));
  const injected = Date.now();
  t.match(ok(t, await cli('sim', 'drift', 'instance/watched', 'vcpus=8'), 'sim drift'), /simulated instance ci-\w+ \(cloud "default", object default\/watched\): set vcpus=8/);
  const status = await until('drift in status', async () => {
    const s = await statusOf('instance/watched');
    return Array.isArray(s['drift']) && s['drift'].length > 0 ? s : undefined;
  });
  t.comment(`reported ${Date.now() - injected} ms after the CLI started (timing is asserted with the direct PATCH above)`);
  t.match(status['drift'], [{ path: 'spec.vcpus', desired: 2, observed: 8, firstSeen: String, lastSeen: String }]);
  t.ok((status['conditions'] as { type: string; status: string }[]).some((c) => c.type === 'Drifted' && c.status === 'True'), 'Drifted=True');
  const table = ok(t, await cli('drift'), 'converge drift');
  t.match(table, /Instance\s+default\s+watched\s+spec\.vcpus\s+2\s+8/);
  await new Promise((r) => setTimeout(r, POLL_MS * 2.5));
  t.equal((await simFields('instance/watched'))?.['vcpus'], 8, 'still 8 after more than two poll intervals');
  t.notMatch(ok(t, await cli('journal', 'instance/watched'), 'journal'), /Update/, 'no update was attempted');
});

t.test('out-of-band deletion is drift: Correct recreates the resource', async (t) => {
  ok(t, await cli('sim', 'delete', 'instance/fix'), 'sim delete');
  const fields = await until('instance/fix recreated', () => simFields('instance/fix'), 15_000);
  t.equal(fields['memoryMiB'], 2048);
  t.match(ok(t, await cli('events', '--for', 'instance/fix'), 'events'), /DriftCorrected\s+instance\/fix\s+recreated external resource/);
});

t.test('ObserveOnly adopts an existing resource, reports its drift and never changes, creates or deletes anything', async (t) => {
  const mutating = async () =>
    (await metric('converge_external_calls_total', { kind: 'Volume', operation: 'Create' })) +
    (await metric('converge_external_calls_total', { kind: 'Volume', operation: 'Update' })) +
    (await metric('converge_external_calls_total', { kind: 'Volume', operation: 'Delete' }));
  ok(t, await cli('sim', 'create', 'volume', 'legacy-disk', 'sizeGiB=20', 'format=qcow2', 'storagePool=default'), 'sim create');
  await apply(`apiVersion: converge.io/v1alpha1
kind: Volume
metadata: {name: legacy, namespace: default, annotations: {converge.io/external-name: legacy-disk}}
spec: {providerRef: {name: default}, sizeGiB: 10, managementPolicy: ObserveOnly, pollInterval: 1s}
`);
  const status = await until('drift reported', async () => {
    const s = await statusOf('volume/legacy');
    return Array.isArray(s['drift']) && s['drift'].length > 0 ? s : undefined;
  });
  t.match(status['drift'], [{ path: 'spec.sizeGiB', desired: 10, observed: 20 }]);
  t.equal(status['capacityBytes'], 20 * 1024 ** 3, 'observed state reported');
  await new Promise((r) => setTimeout(r, 3000));
  ok(t, await cli('delete', 'volume', 'legacy'), 'delete');
  await until('volume/legacy gone', async () => ((await cli('get', 'volume', 'legacy')).code !== 0 ? true : undefined));
  t.equal(await metric('converge_external_calls_total', { kind: 'Volume', operation: 'Observe' }) > 0, true, 'it did observe');
  t.equal(await mutating(), 0, 'zero Create/Update/Delete calls to the driver');
  t.equal((await simFields('volume/legacy')) ?? 'gone', 'gone', 'the object is gone');
  const left = JSON.parse(ok(t, await cli('sim', 'get', 'volumes', '-o', 'json'), 'sim get volumes')) as { items: SimGet[] };
  t.same(left.items, [{ name: 'legacy-disk', fields: { sizeGiB: 20, format: 'qcow2', storagePool: 'default' } }], 'untouched');
});

t.test('deletionPolicy Orphan deletes the object and leaves the external resource', async (t) => {
  await apply(`apiVersion: converge.io/v1alpha1
kind: Bucket
metadata: {name: keep, namespace: default}
spec: {providerRef: {name: default}, versioning: true, deletionPolicy: Orphan}
`);
  const external = String((await statusOf('bucket/keep'))['externalName']);
  ok(t, await cli('delete', 'bucket', 'keep'), 'delete');
  await until('bucket/keep gone', async () => ((await cli('get', 'bucket', 'keep')).code !== 0 ? true : undefined));
  const left = JSON.parse(ok(t, await cli('sim', 'get', 'buckets', '-o', 'json'), 'sim get buckets')) as { items: SimGet[] };
  t.match(left.items, [{ name: external, fields: { versioning: true, ref: 'default/keep' } }]);
  t.equal(await metric('converge_external_calls_total', { kind: 'Bucket', operation: 'Delete' }), 0, 'no delete call');
});

t.test('converge sim explains bad input in one line', async (t) => {
  const cases: [string[], RegExp][] = [
    [['sim', 'drift', 'instance/fix'], /name at least one FIELD=VALUE/],
    [['sim', 'drift', 'instance/fix', 'ref=x'], /"ref" links the resource to its object/],
    [['sim', 'drift', 'pool/x', 'a=1'], /pools have no simulated resource/],
    [['sim', 'delete', 'instance/nope'], /instances.converge.io "nope" not found/],
    [['sim', 'frob'], /unknown subcommand "frob"/],
  ];
  for (const [args, message] of cases) {
    const res = await cli(...args);
    t.not(res.code, 0, args.join(' '));
    t.match(res.stderr, message, args.join(' '));
    t.notMatch(res.stderr, /\n\s+at /, 'no stack trace');
  }
});
