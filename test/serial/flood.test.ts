/**
 * Issue #8's flood test: with the controllers running under leader election, one user floods the API at
 * ~1,000 requests/s for 10 s over loopback (keep-alive connections, from a separate process as a real client
 * would be) while a second user makes a steady 10 requests/s. The second user's p99 stays under 1 s and
 * none of their requests is refused, the flooder gets 429s carrying Retry-After, and the controller lease
 * keeps being renewed throughout (leadership is never lost). Figures are printed for the record.
 *
 * It lives in `test/serial/`, which `npm test` runs after the main suite with nothing beside it: the flooder,
 * the server and the steady client already share this machine's 2 cores, and with another suite running in
 * parallel (tap runs two files at once) the server's CPU share, not its fairness, decided the latency — CI
 * failed with a steady p99 of 1,272 ms while the server's event loop was never blocked longer than 76 ms.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { UnauthorizedError } from '../../src/errors/index.js';
import { openAuditLog } from '../../src/auth/audit/index.js';
import { PerUserLimiter } from '../../src/auth/ratelimit/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startConvergeServer } from '../../src/server/converge-server.js';

const FLOOD_SECONDS = 10;
const FLOOD_RATE = 1000;
const STEADY_INTERVAL_MS = 100;
const LEASE_MS = 3000;
const LEASE_KEY = '/registry/coordination.k8s.io/leases/converge-system/converge-controllers';

const dataDir = await mkdtemp(join(tmpdir(), 'converge-flood-'));
t.teardown(() => rm(dataDir, { recursive: true, force: true }));
const audit = await openAuditLog({ path: join(dataDir, 'audit.log') });
let leadershipLost = false;
const server = await startConvergeServer({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  logger: silentLogger(),
  controllers: true,
  leaderElection: true,
  lease: { durationMs: LEASE_MS, renewDeadlineMs: 2000, retryPeriodMs: 400 },
  onLeadershipLost: () => {
    leadershipLost = true;
  },
  security: () => ({
    authenticator: {
      async authenticate(req: IncomingMessage) {
        const header = req.headers.authorization;
        if (header === undefined) return undefined;
        const name = /^Bearer (noisy|steady)$/.exec(header)?.[1];
        if (name === undefined) throw new UnauthorizedError();
        return { name, groups: ['system:authenticated'] };
      },
    },
    authorizer: { authorize: async () => ({ allowed: true, reason: 'test' }) },
    // The defaults of converge serve, and the real audit log: every refused request is audited too.
    limiter: new PerUserLimiter(),
    audit: audit.sink,
  }),
});
t.teardown(async () => {
  await server.close();
  await audit.close();
});

const deadline = Date.now() + 10_000;
while (!server.controlLoops?.isLeader()) {
  if (Date.now() > deadline) throw new Error('the controllers never became leader');
  await new Promise((r) => setTimeout(r, 50));
}

/** The flooder: a separate Node process pacing FLOOD_RATE GETs/s on keep-alive sockets; prints a JSON summary. */
const FLOODER = `
import http from 'node:http';
const [url, rate, seconds] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const counts = { sent: 0, ok: 0, throttled: 0, throttledWithRetryAfter: 0, other: 0, errors: 0, skipped: 0 };
let inflight = 0;
const start = Date.now();
const send = () => {
  inflight++;
  counts.sent++;
  const req = http.request(url, { agent, headers: { authorization: 'Bearer noisy' } }, (res) => {
    if (res.statusCode === 200) counts.ok++;
    else if (res.statusCode === 429) {
      counts.throttled++;
      if (Number(res.headers['retry-after']) >= 1) counts.throttledWithRetryAfter++;
    } else counts.other++;
    res.resume();
    res.on('end', () => inflight--);
  });
  req.on('error', () => { counts.errors++; inflight--; });
  req.end();
};
const timer = setInterval(() => {
  const due = Math.floor(((Date.now() - start) / 1000) * rate) - counts.sent - counts.skipped;
  // A client that cannot keep up does not queue without bound: it skips (and counts) what it could not send.
  for (let i = 0; i < due; i++) inflight < 512 ? send() : counts.skipped++;
  if (Date.now() - start >= seconds * 1000) {
    clearInterval(timer);
    const wait = setInterval(() => {
      if (inflight > 0 && Date.now() - start < (seconds + 10) * 1000) return;
      clearInterval(wait);
      process.stdout.write(JSON.stringify({ ...counts, elapsedMs: Date.now() - start }));
      agent.destroy();
    }, 20);
  }
}, 5);
`;

interface FloodSummary {
  sent: number;
  ok: number;
  throttled: number;
  throttledWithRetryAfter: number;
  other: number;
  errors: number;
  skipped: number;
  elapsedMs: number;
}

function flood(): Promise<FloodSummary> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', FLOODER, `${server.url}/apis/converge.io/v1alpha1/namespaces/default/instances`, String(FLOOD_RATE), String(FLOOD_SECONDS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as FloodSummary) : reject(new Error(`flooder exited ${code}: ${out}`))));
  });
}

/** The steady user: one request every 100 ms (alternately a list and a create), each timed. */
async function steady(untilMs: number): Promise<{ latencies: number[]; createLatencies: number[]; failures: string[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const latencies: number[] = [];
  const createLatencies: number[] = [];
  const failures: string[] = [];
  const pending: Promise<void>[] = [];
  const base = new URL(`${server.url}/apis/converge.io/v1alpha1/namespaces/default/instances`);
  let i = 0;
  while (Date.now() < untilMs) {
    const n = i++;
    const create = n % 2 === 1;
    const body = JSON.stringify({
      apiVersion: 'converge.io/v1alpha1',
      kind: 'Instance',
      metadata: { name: `steady-${n}` },
      spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 64 },
    });
    const started = performance.now();
    pending.push(
      new Promise<void>((resolve) => {
        const req = http.request(base, { agent, method: create ? 'POST' : 'GET', headers: { authorization: 'Bearer steady', 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - started);
            if (create) createLatencies.push(performance.now() - started);
            if ((res.statusCode ?? 0) >= 300) failures.push(`${create ? 'create' : 'list'} → ${res.statusCode}`);
            resolve();
          });
        });
        req.on('error', (err) => {
          failures.push(String(err));
          resolve();
        });
        req.end(create ? body : undefined);
      }),
    );
    await new Promise((r) => setTimeout(r, STEADY_INTERVAL_MS));
  }
  await Promise.all(pending);
  agent.destroy();
  return { latencies, createLatencies, failures };
}

/** Samples the lease's renewTime while the flood runs: how often it moved, and the longest it stood still. */
async function watchLease(untilMs: number): Promise<{ renewals: number; maxGapMs: number }> {
  let last: string | undefined;
  let lastChange = Date.now();
  let renewals = 0;
  let maxGapMs = 0;
  while (Date.now() < untilMs) {
    const kv = await server.backend.get(LEASE_KEY);
    const renewTime = kv === undefined ? undefined : (JSON.parse(kv.value) as { spec: { renewTime?: string } }).spec.renewTime;
    const now = Date.now();
    if (renewTime !== last) {
      if (last !== undefined) renewals++;
      maxGapMs = Math.max(maxGapMs, now - lastChange);
      last = renewTime;
      lastChange = now;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { renewals, maxGapMs: Math.max(maxGapMs, Date.now() - lastChange) };
}

t.test('a flood from one user starves neither another user nor the leader lease', async (t) => {
  // The server runs in this process: how long its event loop was ever blocked explains a slow steady request.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const floodDone = flood();
  const until = Date.now() + FLOOD_SECONDS * 1000;
  const [summary, steadyResult, lease] = await Promise.all([floodDone, steady(until), watchLease(until)]);
  loopDelay.disable();
  const sorted = [...steadyResult.latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  const figures = {
    flood: { ...summary, ratePerSecond: Math.round(summary.sent / (summary.elapsedMs / 1000)) },
    steady: {
      requests: sorted.length,
      p50Ms: Math.round(pct(50)),
      p99Ms: Math.round(pct(99)),
      maxMs: Math.round(sorted.at(-1) ?? Number.NaN),
      // Creates wait for their commit's fsync: on a busy disk that, not the flood, is what they measure.
      slowestCreateMs: Math.round(Math.max(...steadyResult.createLatencies)),
    },
    serverEventLoopDelayMs: { p99: Math.round(loopDelay.percentile(99) / 1e6), max: Math.round(loopDelay.max / 1e6) },
    lease,
    audit: audit.writer.stats,
    loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
  };
  t.comment(JSON.stringify(figures));

  // Without the flood nothing is proven; on a machine too busy to produce it (load average in the figures) this fails.
  t.ok(summary.sent >= FLOOD_RATE * FLOOD_SECONDS * 0.5, `the flooder sent ${summary.sent} requests (${figures.flood.ratePerSecond}/s; load average ${figures.loadAverage.join(' ')})`);
  t.ok(summary.throttled > summary.sent / 2, 'most of the flood was refused with 429');
  t.equal(summary.throttledWithRetryAfter, summary.throttled, 'every 429 carries Retry-After');
  t.ok(summary.ok >= 100 * FLOOD_SECONDS * 0.8, `the flooder still got its fair share (${summary.ok} answered)`);
  t.equal(summary.errors + summary.other, 0, 'no connection errors or other statuses');

  t.same(steadyResult.failures, [], 'the steady user was never refused');
  t.ok(sorted.length >= FLOOD_SECONDS * 5, `${sorted.length} steady requests made`);
  t.ok(pct(99) < 1000, `steady p99 ${Math.round(pct(99))} ms < 1 s`);

  t.notOk(leadershipLost, 'leadership never lost');
  t.ok(server.controlLoops?.isLeader(), 'still the leader');
  t.ok(lease.renewals >= FLOOD_SECONDS / 2, `the lease was renewed ${lease.renewals} times`);
  t.ok(lease.maxGapMs < LEASE_MS, `renewTime never stood still for a whole lease (longest ${lease.maxGapMs} ms)`);
  t.equal(audit.writer.stats.dropped, 0, 'the audit log kept up');
});
