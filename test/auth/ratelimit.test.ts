/**
 * The per-user limiter with a manual clock: burst then 429 with a Retry-After computed from the bucket,
 * refill, the larger system:masters budget, the in-flight cap (watches excluded), bounded memory; and the
 * client side: `converge`'s HTTP client waits out 429s, so a parallel burst of creates well over the limit
 * all succeed.
 */
import t, { type Test } from 'tap';
import type { IncomingMessage } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { TooManyRequestsError, UnauthorizedError } from '../../src/errors/index.js';
import { PerUserLimiter } from '../../src/auth/ratelimit/index.js';
import { SYSTEM_MASTERS, type RequestAttributes, type UserInfo } from '../../src/auth/types.js';
import { HttpApiClient } from '../../src/client/http.js';
import { instanceType } from '../../schemas/index.js';
import { startTestServer } from '../helpers/server.js';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };
const admin: UserInfo = { name: 'admin', groups: [SYSTEM_MASTERS, 'system:authenticated'] };
const attrs = (user: UserInfo, verb = 'get'): RequestAttributes => ({ user, verb, resourceRequest: true, group: 'converge.io', resource: 'instances', namespace: 'default', path: '' });

function clock() {
  let ms = 1_000_000;
  return { now: () => ms, advance: (d: number) => (ms += d) };
}

/** Admits `n` requests and answers how many got through (releasing each at once). */
function burst(limiter: PerUserLimiter, user: UserInfo, n: number): number {
  let admitted = 0;
  for (let i = 0; i < n; i++) {
    try {
      limiter.admit(user, attrs(user))();
      admitted++;
    } catch (err) {
      if (!(err instanceof TooManyRequestsError)) throw err;
    }
  }
  return admitted;
}

t.test('token bucket: burst, refusal with Retry-After, refill', async (t) => {
  const c = clock();
  const limiter = new PerUserLimiter({ qps: 2, burst: 3, now: c.now });
  t.equal(burst(limiter, alice, 10), 3, 'the burst passes, the rest is refused');
  t.throws(() => limiter.admit(alice, attrs(alice)), { retryAfterSeconds: 1, message: /alice.*over 2 requests per second/ });
  c.advance(1000);
  t.equal(burst(limiter, alice, 10), 2, 'one second refills qps tokens');
  c.advance(60_000);
  t.equal(burst(limiter, alice, 10), 3, 'never more than the burst');
  t.equal(burst(limiter, { name: 'bob', groups: [] }, 10), 3, 'each user has a bucket of their own');

  const slow = new PerUserLimiter({ qps: 0.1, burst: 1, now: c.now });
  burst(slow, alice, 1);
  t.throws(() => slow.admit(alice, attrs(alice)), { retryAfterSeconds: 10, message: /alice/ }, 'Retry-After is when the next token comes');
  c.advance(4000);
  t.throws(() => slow.admit(alice, attrs(alice)), { retryAfterSeconds: 6, message: /alice/ });
  t.equal(burst(new PerUserLimiter({ qps: 0, now: c.now }), alice, 1000), 1000, 'qps 0 turns rate limiting off');
});

t.test('system:masters has a larger budget, not an exemption', async (t) => {
  const c = clock();
  const limiter = new PerUserLimiter({ qps: 10, burst: 20, maxInflight: 2, now: c.now });
  t.equal(burst(limiter, admin, 1000), 200, 'ten times the burst');
  c.advance(1000);
  t.equal(burst(limiter, admin, 1000), 100, 'ten times the rate');
  c.advance(30_000);
  const held = Array.from({ length: 20 }, () => limiter.admit(admin, attrs(admin, 'list')));
  t.throws(() => limiter.admit(admin, attrs(admin)), { retryAfterSeconds: 1, message: /20 requests in flight/ });
  for (const done of held) done();
});

t.test('in-flight cap: slots released once, watches hold none, refusals cost no token', async (t) => {
  const c = clock();
  const registry = new Registry();
  const limiter = new PerUserLimiter({ qps: 100, burst: 5, maxInflight: 2, now: c.now });
  limiter.registerMetrics(registry);
  const first = limiter.admit(alice, attrs(alice));
  const second = limiter.admit(alice, attrs(alice));
  t.throws(() => limiter.admit(alice, attrs(alice)), { retryAfterSeconds: 1, message: /2 requests in flight/ });
  const watches = [limiter.admit(alice, attrs(alice, 'watch')), limiter.admit(alice, attrs(alice, 'watch'))];
  t.pass('watches are admitted while the cap is reached');
  first();
  first();
  const third = limiter.admit(alice, attrs(alice));
  t.throws(() => limiter.admit(alice, attrs(alice)), TooManyRequestsError, 'releasing twice freed only one slot');
  second();
  third();
  for (const w of watches) w();
  t.throws(() => limiter.admit(alice, attrs(alice)), { message: /over 100 requests per second/ }, 'five tokens spent: 3 requests + 2 watches, none by the refusals');
  const text = await registry.metrics();
  t.match(text, /converge_apiserver_rate_limited_requests_total\{reason="inflight"\} 2/);
  t.match(text, /converge_apiserver_rate_limited_requests_total\{reason="rate"\} 1/);
});

t.test('memory is bounded: idle users are forgotten, busy ones kept', async (t) => {
  const c = clock();
  const limiter = new PerUserLimiter({ qps: 1, burst: 1, maxTrackedUsers: 100, now: c.now });
  const busy = limiter.admit(alice, attrs(alice));
  for (let i = 0; i < 1000; i++) limiter.admit({ name: `u${i}`, groups: [] }, attrs(alice))();
  t.ok(limiter.trackedUsers <= 100, `${limiter.trackedUsers} users tracked after 1000 distinct ones`);
  t.throws(() => limiter.admit(alice, attrs(alice)), TooManyRequestsError, 'a user with a request in flight keeps their (empty) bucket');
  busy();
  c.advance(61_000);
  limiter.admit({ name: 'late', groups: [] }, attrs(alice))();
  t.equal(limiter.trackedUsers, 1, 'after a quiet minute, full idle buckets are swept');
});

/** A test server where `Bearer alice` is alice, any other token a 401, no token unauthenticated; all allowed. */
async function startAliceServer(t: Test, limiter: PerUserLimiter): Promise<{ url: string }> {
  const server = await startTestServer({
    security: () => ({
      authenticator: {
        async authenticate(req: IncomingMessage) {
          if (req.headers.authorization === undefined) return undefined;
          if (req.headers.authorization !== 'Bearer alice') throw new UnauthorizedError();
          return alice;
        },
      },
      authorizer: { authorize: async () => ({ allowed: true, reason: 'test' }) },
      limiter,
    }),
  });
  t.teardown(() => server.stop());
  return server;
}

t.test('the HTTP client waits out 429s: 40 parallel creates at 20 qps all succeed', async (t) => {
  const limiter = new PerUserLimiter({ qps: 20, burst: 5 });
  const registry = new Registry();
  limiter.registerMetrics(registry);
  const server = await startAliceServer(t, limiter);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'alice', token: 'alice' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'alice' }],
    currentContext: 'c',
  });
  const client = new HttpApiClient(kc);
  t.teardown(() => client.close());
  const started = Date.now();
  const results = await Promise.allSettled(
    Array.from({ length: 40 }, (_v, i) =>
      client.create(instanceType, {
        apiVersion: 'converge.io/v1alpha1',
        kind: 'Instance',
        metadata: { name: `vm-${i}`, namespace: 'default' },
        spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 64 },
      }),
    ),
  );
  t.same(results.filter((r) => r.status === 'rejected'), [], 'no create failed');
  t.equal((await client.list(instanceType, { namespace: 'default' })).items.length, 40);
  t.match(await registry.metrics(), /reason="rate"\} [1-9]/, 'the server did refuse some with 429');
  t.ok(Date.now() - started >= 1000, `paced by the limit (${Date.now() - started} ms)`);
});

t.test('requests that fail authentication are limited per source address; authenticated users are not affected', async (t) => {
  // One token per 20 s after the burst: a slow machine cannot refill the bucket during the test.
  const limiter = new PerUserLimiter({ qps: 0.05, burst: 5 });
  const registry = new Registry();
  limiter.registerMetrics(registry);
  const server = await startAliceServer(t, limiter);
  const url = `${server.url}/apis/converge.io/v1alpha1/namespaces/default/instances`;
  const get = async (authorization?: string) => {
    const res = await fetch(url, authorization === undefined ? {} : { headers: { authorization } });
    const body = (await res.json()) as { kind?: string; code?: number; message?: string };
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
  };

  const guesses = [];
  for (let i = 0; i < 8; i++) guesses.push(await get(i % 2 === 0 ? `Bearer guess-${i}` : undefined));
  t.same(guesses.slice(0, 5).map((r) => r.status), [401, 401, 401, 401, 401], 'bad and missing credentials: 401 while the address has budget');
  t.same(guesses.slice(5).map((r) => r.status), [429, 429, 429], 'then 429, whether the credentials were bad or missing');
  t.match(guesses[7], { retryAfter: /^(1\d|20|[1-9])$/, body: { kind: 'Status', code: 429, message: /Too many requests: user "system:anonymous@127\.0\.0\.1"/ } });
  t.equal((await get('Bearer alice')).status, 200, 'a user with good credentials from the same address is served');
  t.match(await registry.metrics(), /converge_apiserver_rate_limited_requests_total\{reason="rate"\} 3/, 'the refusals are counted');
});
