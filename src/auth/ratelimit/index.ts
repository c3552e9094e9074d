/** Per-user request rate limiting of `converge serve` (issue #8); see limiter.ts for the policy and its reasons. */
export {
  DEFAULT_MASTERS_FACTOR,
  DEFAULT_USER_BURST,
  DEFAULT_USER_MAX_INFLIGHT,
  DEFAULT_USER_QPS,
  PerUserLimiter,
  type PerUserLimiterOptions,
} from './limiter.js';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.js';
