/**
 * The HA recipe (examples/ha) on loopback: three etcd members and two `converge serve` replicas sharing
 * them and one simulated cloud. A writer keeps creating Instances through whichever replica answers, the
 * way a client configured with both endpoints would, while the controller leader replica is killed with
 * SIGKILL and then one etcd member (the raft leader in one case, a follower in the other) is SIGKILLed too.
 * What a user depends on: no acknowledged write is lost, the surviving replica takes the controller lease
 * within about one lease duration, and everything — including objects created after the failures — is
 * reconciled to Ready exactly once in the (shared) cloud.
 *
 * The replicas run under a supervisor that restarts one that exits on its own, as systemd's
 * Restart=on-failure or a Deployment does: a replica exits when it cannot renew its lease within the renew
 * deadline (2 s for the 3 s lease used here), and a write that was forwarded to the etcd leader at the moment
 * it dies hangs for etcd's request timeout (5 s + 2 × election timeout = 7 s) — so with a lease this short
 * the surviving leader occasionally loses it to the etcd election. The restarts are counted and reported.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';
import { freePort } from '../helpers/ports.js';
import { convergeArgv, repoRoot, spawnServe, type ServeProcess } from '../helpers/cli.js';
import { request, type HttpResult, type RequestOptions } from '../helpers/http.js';
import type { ServerCredentials } from '../helpers/secure-fetch.js';
import { INSTANCES, instance } from '../apiserver/fixtures.js';

const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/converge-system/leases/converge-controllers';
const LEASE_MS = 3000;
/** Objects the writer creates, one every PACE_MS: about ten seconds of writes. */
const OBJECTS = 80;
const PACE_MS = 125;
/** When the failures are injected, counted from the first write. */
const KILL_REPLICA_AT_MS = 2500;
const KILL_ETCD_AT_MS = 5500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function identityOf(p: ServeProcess): string {
  const id = /Controllers: running \(replica (\S+)\)/.exec(p.output())?.[1];
  if (!id) throw new Error(`no replica identity in output: ${p.output()}`);
  return id;
}

/**
 * One replica under a supervisor: when it exits by itself it is started again with the same arguments (and
 * so the same address); a kill by the test is final.
 */
class Supervised {
  restarts = 0;
  /** Output of the incarnations that exited. */
  private earlier = '';
  private killed = false;
  private restarting: Promise<void> | undefined;

  private constructor(
    public proc: ServeProcess,
    private readonly args: readonly string[],
  ) {
    this.watch();
  }

  static async start(args: readonly string[]): Promise<Supervised> {
    return new Supervised(await spawnServe(args), args);
  }

  get url(): string {
    return this.proc.url;
  }

  /** This replica's identity in the controller lease (it changes on restart). */
  identity(): string {
    return identityOf(this.proc);
  }

  /** Everything every incarnation printed. */
  output(): string {
    return this.earlier + this.proc.output();
  }

  /** SIGKILL, not restarted. */
  async kill9(): Promise<void> {
    this.killed = true;
    await this.restarting;
    await this.proc.kill9();
  }

  private watch(): void {
    this.proc.child.once('exit', () => {
      if (this.killed) return;
      this.restarts++;
      this.earlier += this.proc.output();
      this.restarting = spawnServe(this.args).then((next) => {
        this.proc = next;
        this.watch();
      });
    });
  }
}

/**
 * A client that knows both replicas' addresses: it sticks to the one that answers and moves to the other on
 * a connection error or a 5xx/429, counting each such failure.
 */
class TwoEndpointClient {
  private current = 0;
  /** Failed attempts (connection errors, 5xx, 429), each followed by a retry on the other replica. */
  errors = 0;
  readonly errorKinds = new Map<string, number>();

  /** `credentials`: one kubeconfig's CA and token, valid on every replica (they share CA and token file). */
  constructor(
    private readonly urls: readonly string[],
    private readonly credentials: ServerCredentials,
  ) {}

  /** Sends until a replica gives a non-5xx answer, or throws after `timeoutMs`. */
  async send(path: string, options: RequestOptions = {}, timeoutMs = 30_000): Promise<HttpResult & { attempts: number }> {
    const deadline = Date.now() + timeoutMs;
    for (let attempts = 1; ; attempts++) {
      const url = this.urls[this.current] ?? '';
      let failure: string;
      try {
        const res = await request(url, path, { ...options, as: this.credentials });
        if (res.status < 500 && res.status !== 429) return { ...res, attempts };
        const message = typeof res.body['message'] === 'string' ? res.body['message'] : res.text;
        failure = `HTTP ${res.status}: ${message.replace(/\/registry\/\S+/g, 'KEY').slice(0, 120)}`;
      } catch (err) {
        failure = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
      }
      this.errors++;
      const kind = failure.replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'ADDR');
      this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
      if (Date.now() > deadline) throw new Error(`${options.method ?? 'GET'} ${path}: no replica answered within ${timeoutMs} ms (last: ${failure})`);
      this.current = (this.current + 1) % this.urls.length;
      await sleep(100);
    }
  }
}

interface WriterResult {
  /** Names whose create was answered 201. */
  readonly acknowledged: string[];
  /** Names whose first answer was lost (5xx/connection) and whose retry found the object: created, unacknowledged. */
  readonly existedOnRetry: string[];
  /** Longest time one create took, retries included. */
  readonly slowestMs: number;
}

/** Creates OBJECTS Instances one after another at PACE_MS; names are unique, so a 409 only follows a lost answer. */
async function write(client: TwoEndpointClient, prefix: string): Promise<WriterResult> {
  const acknowledged: string[] = [];
  const existedOnRetry: string[] = [];
  let slowestMs = 0;
  for (let i = 0; i < OBJECTS; i++) {
    const name = `${prefix}-${String(i).padStart(3, '0')}`;
    const started = Date.now();
    const res = await client.send(INSTANCES, { method: 'POST', json: instance(name) });
    slowestMs = Math.max(slowestMs, Date.now() - started);
    if (res.status === 201) acknowledged.push(name);
    else if (res.status === 409 && res.attempts > 1) existedOnRetry.push(name);
    else throw new Error(`create ${name}: HTTP ${res.status} after ${res.attempts} attempts: ${res.text}`);
    await sleep(Math.max(0, PACE_MS - (Date.now() - started)));
  }
  return { acknowledged, existedOnRetry, slowestMs };
}

async function holder(client: TwoEndpointClient): Promise<string | undefined> {
  const res = await client.send(LEASE_PATH);
  return res.status === 200 ? (res.body['spec'] as { holderIdentity?: string } | undefined)?.holderIdentity : undefined;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

interface Listed {
  readonly name: string;
  readonly ready: boolean;
}

async function listInstances(client: TwoEndpointClient): Promise<Listed[]> {
  const res = await client.send(INSTANCES);
  if (res.status !== 200) throw new Error(`list instances: HTTP ${res.status}: ${res.text}`);
  const items = (res.body['items'] ?? []) as { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
  return items.map((o) => ({ name: o.metadata.name, ready: (o.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') }));
}

const cases = [
  { etcdVictim: 'leader', why: 'the raft leader: writes wait for an election' },
  { etcdVictim: 'follower', why: 'a follower: clients connected to it must move to another member' },
] as const;

for (const { etcdVictim, why } of cases) {
  t.test(`HA: kill -9 the leader replica and the etcd ${etcdVictim} while writing`, async (t) => {
    const cluster: EtcdCluster = await startEtcdCluster({ members: 3 });
    t.teardown(() => cluster.stop());
    const dir = await mkdtemp(join(tmpdir(), 'converge-ha-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const store = `${cluster.url}/converge`;
    // One simulated cloud for both replicas: it stands in for the one real cloud both would manage.
    const common = ['--store', store, '--sim-state', join(dir, 'sim.db'), '--lease-duration', `${LEASE_MS / 1000}s`];
    // As in examples/ha/run.sh: b gets a's CA before its first start and shares a's token and encryption key
    // files, so one kubeconfig works on both and each replica reads the Secrets the other wrote.
    const a = await Supervised.start(['--data-dir', join(dir, 'a'), '--listen', `127.0.0.1:${await freePort()}`, ...common]);
    t.teardown(() => a.kill9());
    await mkdir(join(dir, 'b', 'pki'), { recursive: true });
    for (const f of ['ca.crt', 'ca.key']) await copyFile(join(dir, 'a', 'pki', f), join(dir, 'b', 'pki', f));
    const b = await Supervised.start([
      ...['--data-dir', join(dir, 'b'), '--listen', `127.0.0.1:${await freePort()}`, ...common],
      ...['--token-file', join(dir, 'a', 'tokens.json'), '--encryption-key-file', join(dir, 'a', 'encryption-keys.json')],
    ]);
    t.teardown(() => b.kill9());
    const replicas = [a, b];
    const credentials = a.proc.credentials;
    const client = new TwoEndpointClient([a.url, b.url], credentials);

    const leader = await until('a controller leader', 15_000, async () => {
      const id = await holder(client);
      return replicas.find((r) => r.identity() === id);
    });
    const survivor = replicas.find((r) => r !== leader);
    if (survivor === undefined) throw new Error('unreachable: two replicas');
    // The writer starts on the leader's address so that killing it hits the writer too.
    const writerClient = new TwoEndpointClient([leader.url, survivor.url], credentials);
    const probeClient = new TwoEndpointClient([survivor.url], credentials);

    const writeStart = Date.now();
    const writing = write(writerClient, `ha-${etcdVictim}`);

    const failures = (async () => {
      await sleep(KILL_REPLICA_AT_MS);
      await leader.kill9();
      const killedAt = Date.now();
      const takeoverMs = await until(
        'the survivor to take the controller lease',
        LEASE_MS + 15_000,
        async () => ((await holder(probeClient)) === survivor.identity() ? Date.now() - killedAt : undefined),
        100,
      );
      await sleep(Math.max(0, writeStart + KILL_ETCD_AT_MS - Date.now()));
      const etcdLeader = await cluster.leader();
      if (etcdLeader === undefined) throw new Error('no etcd leader before the member kill');
      const victim = etcdVictim === 'leader' ? etcdLeader : (etcdLeader + 1) % cluster.members.length;
      await cluster.kill(victim);
      return { takeoverMs, victim: cluster.members[victim]?.name ?? String(victim), etcdLeaderWas: cluster.members[etcdLeader]?.name };
    })();

    const [written, injected] = await Promise.all([writing, failures]);
    const writeMs = Date.now() - writeStart;
    const created = [...written.acknowledged, ...written.existedOnRetry];

    const listed = await listInstances(probeClient);
    const names = new Set(listed.map((o) => o.name));
    const lost = written.acknowledged.filter((n) => !names.has(n));
    t.same(lost, [], `every acknowledged create survived (${written.acknowledged.length} acknowledged)`);
    t.same(
      listed.map((o) => o.name).filter((n) => !created.includes(n)),
      [],
      'nothing exists that the writer was not told about',
    );
    t.equal(created.length, OBJECTS, 'every create eventually succeeded through one replica or the other');

    t.ok(
      injected.takeoverMs <= LEASE_MS + 5000,
      `the survivor took the controller lease ${injected.takeoverMs} ms after the leader was killed (lease ${LEASE_MS} ms)`,
    );

    const readyStart = Date.now();
    const notReady = await until(
      `all ${OBJECTS} Instances Ready`,
      60_000,
      async () => {
        const pending = (await listInstances(probeClient)).filter((o) => !o.ready);
        return pending.length === 0 ? [] : undefined;
      },
      500,
    ).catch((err: unknown) => {
      t.comment(survivor.output().slice(-3000));
      throw err;
    });
    t.same(notReady, [], 'reconciliation continued: every Instance, including those created after the failures, is Ready');
    const readyMs = Date.now() - readyStart;

    // etcd3's default per-member circuit breaker counted the "request timed out" answers of HEALTHY members
    // during the election, so every call failed unsent for 5 s (src/store/etcd/host-breaker.ts).
    const unsent = [...writerClient.errorKinds.keys(), ...survivor.output().split('\n')].filter((line) =>
      /circuit breaker|skipped:/.test(line),
    );
    t.same(unsent.map((l) => l.slice(0, 200)), [], 'no call failed unsent because healthy etcd members were written off');
    t.ok(survivor.restarts <= 1, `the survivor did not flap (restarted ${survivor.restarts} times after losing its lease)`);
    // After a restart the new incarnation takes the lease once the old one's expires.
    const holds = await until('the survivor to hold the lease', LEASE_MS + 5000, async () =>
      (await holder(probeClient)) === survivor.identity() ? true : undefined,
    ).catch(() => false);
    t.ok(holds, 'the survivor holds the controller lease');

    const cloud = await probeClient.send('/sim/v1/clouds/default/instances');
    const vms = (cloud.body['items'] as unknown[] | undefined)?.length;
    t.equal(vms, OBJECTS, 'the shared cloud holds exactly one VM per Instance: no duplicate creates across the handover');

    t.comment(
      `etcd ${etcdVictim} killed (${why}): member ${injected.victim} (raft leader was ${injected.etcdLeaderWas}); ` +
        `${OBJECTS} creates in ${writeMs} ms: ${written.acknowledged.length} acknowledged, ` +
        `${written.existedOnRetry.length} committed but answered with an error; ` +
        `${writerClient.errors} failed attempts during failover ${JSON.stringify(Object.fromEntries(writerClient.errorKinds))}; ` +
        `slowest create ${written.slowestMs} ms; takeover ${injected.takeoverMs} ms; survivor restarts ${survivor.restarts}; ` +
        `all Ready ${readyMs} ms after the last write`,
    );
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

t.test('examples/ha/run.sh demo: the recipe itself survives its leader replica and an etcd member, and cleans up', async (t) => {
  const ports = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  const env = {
    ...process.env,
    CONVERGE: [process.execPath, ...convergeArgv([])].join(' '),
    ETCD_CLIENT_PORTS: ports.slice(0, 3).join(' '),
    ETCD_PEER_PORTS: ports.slice(3, 6).join(' '),
    CONVERGE_PORTS: ports.slice(6, 8).join(' '),
  };
  const child = spawn('bash', [join(repoRoot, 'examples/ha/run.sh'), 'demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // SIGTERM on timeout: the script's trap still stops what it started.
  const timer = setTimeout(() => child.kill('SIGTERM'), 150_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  t.equal(code, 0, 'run.sh demo exits 0');
  if (code !== 0) t.comment(out);
  t.match(out, /instance\.converge\.io\/ha-before ready/, 'an Instance created through the leader became Ready');
  t.match(out, /instance\.converge\.io\/ha-after ready/, 'one created after the kills through the other replica became Ready');
  t.match(out, /replica [ab] holds the controller lease; ha-after Ready \d+s after the kills/, 'the other replica took over the controllers');
  t.match(out, /etcd m1 is back/, 'the killed etcd member rejoined');
  const dataDir = /data in (\S+)/.exec(out)?.[1];
  t.ok(dataDir !== undefined && !existsSync(dataDir), `the temporary directory ${dataDir ?? '(not printed)'} is gone`);
  const stillListening = [];
  for (const port of [...ports.slice(0, 3), ...ports.slice(6, 8)]) if (await listening(port)) stillListening.push(port);
  t.same(stillListening, [], 'no etcd member or replica is left running');
});
