/**
 * A token bucket (the algorithm of client-go's and kube-apiserver's rate limiters): `burst` tokens at most,
 * refilled continuously at `qps` per second. Time is injected so tests need no sleeping.
 */

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained rate, tokens per second (> 0). */
  readonly qps: number;
  /** Capacity: requests allowed back to back after a quiet period (≥ 1). */
  readonly burst: number;
  /** Start time in milliseconds (the bucket starts full). */
  readonly nowMs: number;
}

/** See the module comment. Not thread-safe, which Node's single event loop makes moot. */
export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  #tokens: number;
  #updatedMs: number;

  constructor(options: TokenBucketOptions) {
    this.qps = options.qps;
    this.burst = options.burst;
    this.#tokens = options.burst;
    this.#updatedMs = options.nowMs;
  }

  /** Takes one token at `nowMs`; answers 0 when taken, else the milliseconds until one will be available. */
  take(nowMs: number): number {
    this.#refill(nowMs);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return ((1 - this.#tokens) / this.qps) * 1000;
  }

  /** True when the bucket has refilled completely by `nowMs`: it is then the same as a brand-new bucket. */
  isFull(nowMs: number): boolean {
    this.#refill(nowMs);
    return this.#tokens >= this.burst;
  }

  #refill(nowMs: number): void {
    // A clock that steps backwards must not mint tokens or wedge the bucket.
    const elapsed = Math.max(0, nowMs - this.#updatedMs);
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed / 1000) * this.qps);
    this.#updatedMs = Math.max(this.#updatedMs, nowMs);
  }
}
