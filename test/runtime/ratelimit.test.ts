import t from 'tap';
import { InvalidError } from '../../src/errors/index.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { Backoff } from '../../src/runtime/backoff.js';
import {
  defaultControllerRateLimiter,
  exponentialFailureRateLimiter,
  maxOfRateLimiters,
  tokenBucketRateLimiter,
} from '../../src/runtime/ratelimit.js';

t.test('per-key exponential backoff doubles from the base and caps', async (t) => {
  const cases = [
    { name: 'controller default 5 ms → 1000 s', options: {}, expect: [5, 10, 20, 40, 80, 160], capAfter: 30, cap: 1_000_000 },
    { name: 'custom base and cap', options: { baseDelayMs: 100, maxDelayMs: 1000 }, expect: [100, 200, 400, 800, 1000, 1000], capAfter: 6, cap: 1000 },
  ];
  for (const c of cases) {
    const limiter = exponentialFailureRateLimiter(c.options);
    t.same(c.expect.map(() => limiter.when('a')), c.expect, c.name);
    t.equal(limiter.numRequeues('a'), c.expect.length, `${c.name}: requeues counted`);
    t.equal(limiter.when('b'), c.expect[0], `${c.name}: keys are independent`);
    for (let i = 0; i < c.capAfter; i++) limiter.when('c');
    t.equal(limiter.when('c'), c.cap, `${c.name}: capped`);
    limiter.forget('a');
    t.equal(limiter.numRequeues('a'), 0, `${c.name}: forget resets`);
    t.equal(limiter.when('a'), c.expect[0], `${c.name}: starts over after forget`);
  }
  // 2^exp overflows to Infinity long before a key fails 2000 times: the cap must still hold.
  const limiter = exponentialFailureRateLimiter();
  let last = 0;
  for (let i = 0; i < 2000; i++) last = limiter.when('x');
  t.equal(last, 1_000_000);
});

t.test('token bucket: burst, then one token per 1/qps, refilling with time', async (t) => {
  const clock = new FakeClock();
  const bucket = tokenBucketRateLimiter({ qps: 10, burst: 2, clock });
  t.same([bucket.when('a'), bucket.when('b'), bucket.when('c'), bucket.when('d')], [0, 0, 100, 200], 'reservations queue up');
  await clock.advance(1000);
  t.same([bucket.when('a'), bucket.when('a'), bucket.when('a')], [0, 0, 100], 'refilled to the burst, not beyond');
  t.equal(bucket.numRequeues('a'), 0, 'the bucket does not track keys');
});

t.test('the controller default takes the longer of backoff and bucket', async (t) => {
  const clock = new FakeClock();
  const limiter = defaultControllerRateLimiter({ clock, qps: 1, burst: 1 });
  t.equal(limiter.when('a'), 5, 'backoff dominates while tokens remain');
  t.equal(limiter.when('b'), 1000, 'the empty bucket dominates');
  t.equal(limiter.numRequeues('a'), 1);
  const both = maxOfRateLimiters(exponentialFailureRateLimiter({ baseDelayMs: 1 }), exponentialFailureRateLimiter({ baseDelayMs: 3 }));
  t.same([both.when('k'), both.when('k')], [3, 6]);
  both.forget('k');
  t.equal(both.numRequeues('k'), 0);
});

t.test('invalid options are rejected with the field named', async (t) => {
  const cases = [
    { name: 'negative base', make: () => exponentialFailureRateLimiter({ baseDelayMs: -1 }), field: 'baseDelayMs' },
    { name: 'cap below base', make: () => exponentialFailureRateLimiter({ baseDelayMs: 10, maxDelayMs: 5 }), field: 'maxDelayMs' },
    { name: 'zero qps', make: () => tokenBucketRateLimiter({ qps: 0 }), field: 'qps' },
    { name: 'NaN burst', make: () => tokenBucketRateLimiter({ burst: Number.NaN }), field: 'burst' },
    { name: 'factor below 1', make: () => new Backoff({ factor: 0.5 }), field: 'factor' },
  ];
  for (const c of cases) {
    try {
      c.make();
      t.fail(`${c.name}: accepted`);
    } catch (err) {
      t.type(err, InvalidError, c.name);
      t.equal((err as InvalidError).causes[0]?.field, c.field, c.name);
    }
  }
});

t.test('reconnect backoff grows, is capped including jitter, and resets', async (t) => {
  const noJitter = new Backoff({ initialMs: 100, maxMs: 500, jitter: 0 });
  t.same([noJitter.next(), noJitter.next(), noJitter.next(), noJitter.next(), noJitter.next()], [100, 200, 400, 500, 500]);
  noJitter.reset();
  t.equal(noJitter.next(), 100);
  const maxJitter = new Backoff({ initialMs: 100, maxMs: 500, jitter: 1, random: () => 0.999 });
  t.same([maxJitter.next(), maxJitter.next(), maxJitter.next()], [200, 400, 500], 'jitter never exceeds the cap');
});
