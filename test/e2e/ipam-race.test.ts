/**
 * Two `converge serve` processes on one etcd, both running the controllers (`--leader-elect=false`), race
 * to allocate 500 pool-backed Networks. IPAllocation create-if-absent is the only lock between them: the
 * test checks that no two prefixes overlap, the Pool's bookkeeping is exact, and a request that no longer
 * fits is reported as an exhausted pool on the Network (conditions, `converge get`, `converge describe`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { formatCidr, parseCidr, type Cidr } from '../../schemas/cidr.js';
import { ipAllocationType, networkType, poolType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { HttpApiClient } from '../../src/client/http.js';
import type { ApiClient } from '../../src/client/types.js';
import { cidrContains, findOverlaps } from '../../src/ipam/index.js';
import { spawnServe, type ServeProcess } from '../helpers/cli.js';
import { runConverge } from '../helpers/converge-cli.js';
import { startEtcd } from '../helpers/etcd.js';

const NETWORKS = 500;
const PREFIX_LENGTH = 26;
const POOL_CIDR = '10.96.0.0/16';
const CONCURRENCY = 25;
/** A bound that catches a hang, not a speed target: 25–35 s on 2 cores, slack for a loaded machine. */
const CONVERGE_DEADLINE_MS = 150_000;

/** A client of one replica, with its kubeconfig's CA and admin token (each replica has its own data dir). */
function clientFor(serve: ServeProcess): HttpApiClient {
  const kc = new KubeConfig();
  kc.loadFromFile(serve.kubeconfig);
  return new HttpApiClient(kc);
}

function mustCidr(text: unknown): Cidr {
  if (typeof text !== 'string') throw new Error(`not a CIDR: ${String(text)}`);
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.message}`);
  return parsed.value;
}

const network = (name: string, prefixLength: number): KubeObject => ({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Network',
  metadata: { name, namespace: 'default' },
  spec: { providerRef: { name: 'default' }, poolRef: { name: 'lab' }, prefixLength },
});

function conditionOf(obj: KubeObject, type: string): { status?: unknown; reason?: unknown; message?: unknown } | undefined {
  const list = obj.status?.['conditions'];
  if (!Array.isArray(list)) return undefined;
  const found = list.find((c) => c !== null && typeof c === 'object' && !Array.isArray(c) && c['type'] === type);
  return found !== null && typeof found === 'object' && !Array.isArray(found) ? found : undefined;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function bounded<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: limit }, async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T, i);
  });
  await Promise.all(lanes);
}

/** Every Network in `default` (paged). */
async function listNetworks(client: ApiClient): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  let token: string | undefined;
  do {
    const page = await client.list(networkType, { namespace: 'default', limit: 250, ...(token ? { continue: token } : {}) });
    out.push(...page.items);
    token = page.continue;
  } while (token);
  return out;
}

/** Polls `probe` until it yields a value; on timeout the error shows what `seen` last recorded. */
async function until<T>(what: string, deadlineMs: number, probe: (seen: { last?: unknown }) => Promise<T | undefined>, everyMs = 500): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  const seen: { last?: unknown } = {};
  for (;;) {
    const v = await probe(seen);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}; last seen: ${JSON.stringify(seen.last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

t.test('two controller processes racing on one etcd allocate 500 disjoint prefixes from one pool', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.stop());
  const store = `${etcd.url}/race`;
  const dirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), 'converge-race-'))));
  t.teardown(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const servers: ServeProcess[] = [];
  for (const dir of dirs) {
    const s = await spawnServe(['--data-dir', dir, '--store', store, '--listen', '127.0.0.1:0', '--leader-elect=false']);
    t.teardown(() => s.stop());
    servers.push(s);
  }
  const [a, b] = servers as [ServeProcess, ServeProcess];
  t.match(a.output(), /Controllers: running/);
  t.match(b.output(), /Controllers: running/);
  const clients = [clientFor(a), clientFor(b)];
  t.teardown(() => clients.forEach((c) => c.close()));
  const [ca, cb] = clients as [HttpApiClient, HttpApiClient];

  await ca.create(poolType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Pool',
    metadata: { name: 'lab', namespace: 'default' },
    spec: { cidrs: [POOL_CIDR] },
  });

  const started = Date.now();
  const names = Array.from({ length: NETWORKS }, (_, i) => `net-${String(i).padStart(3, '0')}`);
  await bounded(names, CONCURRENCY, async (name, i) => {
    await (i % 2 === 0 ? ca : cb).create(networkType, network(name, PREFIX_LENGTH));
  });
  t.pass(`created ${NETWORKS} Networks through both servers in ${Date.now() - started} ms`);

  const networks = await until(`all ${NETWORKS} Networks to have status.cidr`, CONVERGE_DEADLINE_MS, async (seen) => {
    const items = await listNetworks(cb);
    seen.last = items.filter((n) => typeof n.status?.['cidr'] !== 'string').slice(0, 3).map((n) => ({ name: n.metadata.name, status: n.status }));
    return items.filter((n) => typeof n.status?.['cidr'] === 'string').length === NETWORKS ? items : undefined;
  });
  t.pass(`all ${NETWORKS} Networks have a prefix ${Date.now() - started} ms after the first create`);

  const pool = mustCidr(POOL_CIDR);
  const cidrs = networks.map((n) => ({ name: n.metadata.name, cidr: mustCidr(n.status?.['cidr']) }));
  t.ok(cidrs.every((c) => c.cidr.prefixLength === PREFIX_LENGTH), `every prefix is a /${PREFIX_LENGTH}`);
  const outside = cidrs.filter((c) => !cidrContains(pool, c.cidr));
  t.same(outside, [], `every prefix lies inside ${POOL_CIDR}`);
  const overlaps = findOverlaps(cidrs, (c) => c.cidr).map(([x, y]) => `${x.name} ${formatCidr(x.cidr)} / ${y.name} ${formatCidr(y.cidr)}`);
  t.same(overlaps, [], 'no two Networks share an address');

  const allocations = (await ca.list(ipAllocationType, { namespace: 'default' })).items;
  const forNetworks = allocations.filter((o) => (o.spec?.['owner'] as { kind?: unknown } | undefined)?.kind === 'Network');
  t.equal(forNetworks.length, NETWORKS, 'exactly one IPAllocation per Network, no leftovers from lost races');
  const byOwner = new Map(forNetworks.map((o) => [(o.spec?.['owner'] as { name: string }).name, o.spec?.['cidr']]));
  t.same(
    cidrs.filter((c) => byOwner.get(c.name) !== formatCidr(c.cidr)).map((c) => c.name),
    [],
    "each Network's status.cidr is the prefix its IPAllocation holds",
  );

  // 500 × 64 addresses of 65,536 = 48.828125 %, stored at the schema's two decimals.
  const expectedPercent = Math.round(((NETWORKS * 2 ** (32 - PREFIX_LENGTH)) / 2 ** 16) * 10000) / 100;
  t.equal(expectedPercent, 48.83);
  const poolObj = await until('the Pool to count every allocation', 30_000, async () => {
    const p = await cb.get(poolType, 'default', 'lab');
    return p.status?.['allocations'] === NETWORKS ? p : undefined;
  });
  t.equal(poolObj.status?.['utilisationPercent'], expectedPercent, 'utilisationPercent = 500 × /26 of a /16');
  t.equal(conditionOf(poolObj, 'Ready')?.message, `IPv4 ${NETWORKS} of 1024 /26s (48.8%)`);

  // 500 /26s = 125 /24s: best fit packs them into the low /17 and keeps the high /17 whole for a big request…
  await cb.create(networkType, network('big', 17));
  const big = await until('big to get the high /17', 30_000, async (seen) => {
    const n = await ca.get(networkType, 'default', 'big');
    seen.last = n.status;
    return typeof n.status?.['cidr'] === 'string' ? n : undefined;
  }, 200);
  t.equal(big.status?.['cidr'], '10.96.128.0/17', 'best fit left the upper half whole');
  // …after which no /22 is left anywhere: the low half has 10.96.125.0/24 and 10.96.126.0/23 free.
  await ca.create(networkType, network('too-big', 22));
  const starved = await until('too-big to report the exhausted pool', 30_000, async (seen) => {
    const n = await cb.get(networkType, 'default', 'too-big');
    seen.last = n.status;
    return conditionOf(n, 'Synced')?.status === 'False' ? n : undefined;
  }, 200);
  const expectedMessage = `pool "lab" has no free /22 left (${POOL_CIDR}: 64 of 64 /22 allocated)`;
  t.equal(conditionOf(starved, 'Synced')?.message, expectedMessage, 'Synced=False names the pool, the size and the usage');

  const env = { KUBECONFIG: a.kubeconfig };
  const got = await runConverge(['get', 'networks', 'too-big', '-o', 'wide'], { env });
  t.equal(got.code, 0, got.stderr);
  t.match(got.stdout, /too-big\s+\S+\s+False/, 'converge get shows SYNCED False');
  const described = await runConverge(['describe', 'network', 'too-big'], { env });
  t.equal(described.code, 0, described.stderr);
  t.ok(described.stdout.includes(expectedMessage), `converge describe shows the message:\n${described.stdout}`);
  t.pass(`finished ${Date.now() - started} ms after the first create`);
});
