import type { Test } from 'tap';
import { ConvergeError } from '../../../src/errors/index.js';

/** What a thrown error must look like: its class, HTTP status and a message pattern. */
export interface ErrorExpectation {
  readonly type?: abstract new (...args: never[]) => ConvergeError;
  readonly status?: number;
  readonly message?: RegExp;
}

/**
 * Asserts that `fn` throws a ConvergeError matching `want`, and returns it for further checks.
 * (tap's `t.throws` treats a predicate function as a class, so the checks are spelled out here.)
 */
export function expectError(t: Test, fn: () => unknown, want: ErrorExpectation, label: string): ConvergeError | undefined {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ConvergeError)) {
      t.fail(`${label}: threw a non-Converge error: ${String(err)}`);
      return undefined;
    }
    if (want.type) t.ok(err instanceof want.type, `${label}: is ${want.type.name} (got ${err.constructor.name})`);
    if (want.status !== undefined) t.equal(err.httpStatus, want.status, `${label}: HTTP ${want.status}`);
    if (want.message) t.match(err.message, want.message, `${label}: message`);
    return err;
  }
  t.fail(`${label}: did not throw`);
  return undefined;
}

/** As {@link expectError} for a promise. */
export async function expectRejection(t: Test, promise: Promise<unknown>, want: ErrorExpectation, label: string): Promise<ConvergeError | undefined> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  return expectError(t, () => {
    if (error !== undefined) throw error;
  }, want, label);
}
