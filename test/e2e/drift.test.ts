import t from 'tap';
import { parse } from 'yaml';
import { startCliFixture } from '../helpers/converge-cli.js';
import { runConverge } from '../helpers/converge-cli.js';
import { instanceType } from '../../schemas/index.js';
import { driftRows, driftTable } from '../../src/cli/commands/drift.js';

const { env, cli } = await startCliFixture(t);

// A Network with a literal cidr is not backed by any IPAllocation of the Pool created after it: the Pool
// controller observes it in the (simulated) provider and reports the overlap as drift.
const NETWORK = `apiVersion: converge.io/v1alpha1
kind: Network
metadata: {name: manual, namespace: default}
spec: {providerRef: {name: default}, cidr: 10.80.5.0/24}
`;
const POOL = `apiVersion: converge.io/v1alpha1
kind: Pool
metadata: {name: lab, namespace: default}
spec: {cidrs: [10.80.0.0/16]}
`;

interface Listed {
  items: { kind: string; namespace?: string; name: string; path: string; desired?: unknown; observed?: unknown; firstSeen?: string }[];
}

t.test('converge drift lists nothing, exit 0, when there is no drift', async (t) => {
  const none = await cli('drift');
  t.equal(none.code, 0, none.stderr);
  t.equal(none.stdout, 'No drift.\n');
  const scripted = await cli('drift', '--exit-code');
  t.equal(scripted.code, 0, '--exit-code is 0 without drift');
  const json = await cli('drift', '-o', 'json');
  t.same((JSON.parse(json.stdout) as Listed).items, []);
});

t.test('an unmanaged network overlapping a Pool shows up in converge drift', async (t) => {
  const net = await runConverge(['apply', '-f', '-', '--wait', '--timeout', '60s'], { env, stdin: NETWORK });
  t.equal(net.code, 0, net.stderr);
  const pool = await runConverge(['apply', '-f', '-'], { env, stdin: POOL });
  t.equal(pool.code, 0, pool.stderr);

  const deadline = Date.now() + 30_000;
  let table = await cli('drift');
  while (table.stdout === 'No drift.\n' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    table = await cli('drift');
  }
  t.equal(table.code, 0, 'exit 0 without --exit-code');
  const lines = table.stdout.trimEnd().split('\n');
  t.match(lines[0], /^KIND\s+NAMESPACE\s+NAME\s+PATH\s+DESIRED\s+OBSERVED\s+FIRST SEEN\s+LAST SEEN$/);
  t.equal(lines.length, 2, table.stdout);
  t.match(lines[1], /^Pool\s+default\s+lab\s+spec\.cidrs\s+10\.80\.0\.0\/16\s+unmanaged network 10\.80\.5\.0\/24 \(cn-\S+ in default\)\s+\d+s\s+<unknown>$/);

  const scripted = await cli('drift', '--exit-code');
  t.equal(scripted.code, 3, '--exit-code is 3 with drift');

  const json = await cli('drift', '-o', 'json');
  t.equal(json.code, 0, json.stderr);
  t.match((JSON.parse(json.stdout) as Listed).items, [
    { kind: 'Pool', namespace: 'default', name: 'lab', path: 'spec.cidrs', desired: '10.80.0.0/16', observed: /^unmanaged network 10\.80\.5\.0\/24/, firstSeen: String },
  ]);
  const yaml = await cli('drift', '-o', 'yaml');
  t.same(parse(yaml.stdout), JSON.parse(json.stdout), '-o yaml carries the same entries');

  const elsewhere = await cli('drift', '-n', 'other');
  t.equal(elsewhere.stdout, 'No drift.\n', '-n narrows to one namespace');

  const bad = await cli('drift', '-o', 'wide');
  t.equal(bad.code, 2);
  t.match(bad.stderr, /unsupported format "wide"/);
});

t.test('rows of a managed kind come from status.drift[] (desired/observed as JSON, ages from the timestamps)', async (t) => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const rows = driftRows(instanceType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Instance',
    metadata: { name: 'web-1', namespace: 'prod' },
    status: {
      drift: [
        { path: 'spec.vcpus', desired: 2, observed: 4, firstSeen: '2026-01-01T11:00:00Z', lastSeen: '2026-01-01T11:59:30Z' },
        { path: 'spec.image', firstSeen: '2026-01-01T11:58:00Z', lastSeen: '2026-01-01T11:59:00Z' },
        { desired: 'no path: skipped' },
      ],
    },
  });
  t.same(rows.map((r) => r.path), ['spec.vcpus', 'spec.image']);
  const lines = driftTable(rows, now).split('\n');
  t.match(lines[1], /^Instance\s+prod\s+web-1\s+spec\.vcpus\s+2\s+4\s+60m\s+30s$/);
  t.match(lines[2], /^Instance\s+prod\s+web-1\s+spec\.image\s+<none>\s+<none>\s+2m\s+60s$/);
});
