/**
 * Concurrency limits per ProviderConfig (`spec.concurrency.maxConcurrent`): a counting semaphore per
 * provider, so that backends with locks are never stampeded however many workers reconcile.
 */

/** A counting semaphore whose limit can change while waiters queue (FIFO). */
export class Semaphore {
  private inUse = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private limit: number) {}

  /** Changes the limit; raising it admits waiters at once. */
  setLimit(limit: number): void {
    this.limit = Math.max(1, limit);
    this.admit();
  }

  /** Runs `fn` once a slot is free; rejects without running when `signal` aborts first. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.inUse--;
      this.admit();
    }
  }

  /** Slots in use now. */
  get active(): number {
    return this.inUse;
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (this.inUse < this.limit && this.waiters.length === 0) {
      this.inUse++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = () => {
        signal?.removeEventListener('abort', onAbort);
        this.inUse++;
        resolve();
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted while waiting for a provider slot'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private admit(): void {
    while (this.inUse < this.limit && this.waiters.length > 0) this.waiters.shift()?.();
  }
}

/** One {@link Semaphore} per ProviderConfig name, shared by every managed controller. */
export class ProviderLimits {
  private readonly semaphores = new Map<string, Semaphore>();

  /** The semaphore of `provider`, with its limit set to `maxConcurrent`. */
  forProvider(provider: string, maxConcurrent: number): Semaphore {
    let semaphore = this.semaphores.get(provider);
    if (semaphore === undefined) {
      semaphore = new Semaphore(maxConcurrent);
      this.semaphores.set(provider, semaphore);
    } else {
      semaphore.setLimit(maxConcurrent);
    }
    return semaphore;
  }
}
