/**
 * Helpers for the store conformance suite: fresh backends per subtest, collecting watch events with a
 * deadline and asserting the class of a rejection.
 */
import type { Test } from 'tap';
import type { Backend, Watch, WatchEvent } from '../../src/store/types.js';

/** Thrown by {@link collect} when fewer events than expected arrived in time. */
export class CollectTimeout extends Error {
  constructor(
    readonly got: readonly WatchEvent[],
    wanted: number,
  ) {
    super(`watch delivered ${got.length} of ${wanted} events before the deadline`);
  }
}

/**
 * Reads exactly `count` events from `watch` (then leaves it open), failing after `timeoutMs`. Errors the
 * iterator throws are rethrown.
 */
export async function collect(watch: Watch, count: number, timeoutMs = 5000): Promise<WatchEvent[]> {
  const got: WatchEvent[] = [];
  if (count === 0) return got;
  const it = watch[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    while (got.length < count) {
      const next = await Promise.race([it.next(), deadline]);
      if (next === 'timeout') throw new CollectTimeout(got, count);
      if (next.done === true) break;
      got.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return got;
}

/** Resolves with the error `p` rejects with, or with `undefined` if it fulfils. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Resolves once iterating `watch` completes (done), or to 'timeout'. */
export async function endsWithin(watch: Watch, timeoutMs: number): Promise<'ended' | 'timeout' | 'event'> {
  const it = watch[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const next = await Promise.race([it.next(), deadline]);
    if (next === 'timeout') return 'timeout';
    return next.done === true ? 'ended' : 'event';
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a fresh backend for one subtest and closes it when the subtest ends. */
export async function fresh(t: Test, open: () => Promise<Backend>): Promise<Backend> {
  const b = await open();
  t.teardown(() => b.close());
  return b;
}

/** Asserts that `p` rejects with an instance of `cls` (and returns the error). */
export async function rejectsWith<E>(
  t: Test,
  p: Promise<unknown>,
  cls: abstract new (...args: never[]) => E,
  what: string,
): Promise<E | undefined> {
  const err = await rejection(p);
  t.ok(err instanceof cls, `${what}: rejects with ${cls.name} (got ${String(err)})`);
  return err instanceof cls ? err : undefined;
}

