/**
 * Running one reconcile safely: a per-reconcile timeout that aborts the reconciler's signal, recovery from
 * panics (a synchronous throw, or a thrown value that is not an `Error`), and the classification of what
 * came out. The one place these rules live, so no controller re-implements them.
 */
import { ConflictError, ConvergeError, ErrorCode, TerminalError } from '../errors/index.js';
import type { Clock } from './clock.js';
import type { ReconcileContext, Reconciler, Request } from './request.js';

/** What one reconcile produced. */
export type ReconcileOutcome =
  | { readonly kind: 'success'; readonly requeueAfterMs?: number }
  | {
      readonly kind: 'error';
      readonly error: unknown;
      /** The reconciler threw synchronously or threw something that is not an `Error`. */
      readonly panic: boolean;
      /** The reconcile ran past its timeout (its signal was aborted). */
      readonly timedOut: boolean;
    };

/** A reconcile in flight. */
export interface RunningReconcile {
  /** Resolves with the outcome; at the timeout it resolves even if the reconciler is still running. */
  readonly outcome: Promise<ReconcileOutcome>;
  /** Resolves once the reconciler itself has returned (later than `outcome` after a timeout). */
  readonly settled: Promise<void>;
}

/** Options of {@link runReconcile}. */
export interface RunReconcileOptions {
  /** Aborts the reconcile (shutdown). */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly context: ReconcileContext;
}

function panicOutcome(thrown: unknown): ReconcileOutcome {
  const error =
    thrown instanceof Error
      ? thrown
      : new ConvergeError(ErrorCode.Internal, `reconciler panicked: ${describe(thrown)}`, { cause: thrown });
  return { kind: 'error', error, panic: true, timedOut: false };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function successOutcome(result: unknown): ReconcileOutcome {
  const after =
    result !== null && typeof result === 'object' ? (result as { requeueAfterMs?: unknown }).requeueAfterMs : undefined;
  return typeof after === 'number' && Number.isFinite(after) && after > 0 ? { kind: 'success', requeueAfterMs: after } : { kind: 'success' };
}

function errorOutcome(thrown: unknown): ReconcileOutcome {
  if (!(thrown instanceof Error)) return panicOutcome(thrown);
  return { kind: 'error', error: thrown, panic: false, timedOut: false };
}

/** Starts `reconciler` for `request`; see the module comment. */
export function runReconcile(reconciler: Reconciler, request: Request, options: RunReconcileOptions): RunningReconcile {
  const abort = new AbortController();
  const onParentAbort = () => abort.abort(options.signal.reason);
  if (options.signal.aborted) abort.abort(options.signal.reason);
  else options.signal.addEventListener('abort', onParentAbort, { once: true });
  let work: Promise<ReconcileOutcome>;
  try {
    work = Promise.resolve(reconciler(request, abort.signal, options.context)).then(successOutcome, errorOutcome);
  } catch (thrown) {
    work = Promise.resolve(panicOutcome(thrown));
  }
  const settled = work.then(() => options.signal.removeEventListener('abort', onParentAbort));
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<ReconcileOutcome>((resolve) => {
    timer = options.clock.setTimer(options.timeoutMs, () => {
      const error = new ConvergeError(ErrorCode.Timeout, `reconcile did not finish within ${options.timeoutMs} ms`);
      abort.abort(error);
      resolve({ kind: 'error', error, panic: false, timedOut: true });
    });
  });
  const outcome = Promise.race([work, timeout]).finally(() => timer?.cancel());
  return { outcome, settled };
}

/** True when `err` or any error in its `cause` chain satisfies `test` (errors wrapped with a cause still count). */
export function inCauseChain(err: unknown, test: (e: unknown) => boolean): boolean {
  const seen = new Set<unknown>();
  for (let cur: unknown = err; cur !== undefined && cur !== null && !seen.has(cur); ) {
    if (test(cur)) return true;
    seen.add(cur);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return false;
}

/** How the controller treats a failed reconcile. */
export const FailureClass = {
  /** Retrying cannot help: forget the key, log, no requeue. */
  Terminal: 'terminal',
  /** A lost optimistic-concurrency race: requeue (rate-limited) without an error log. */
  Conflict: 'conflict',
  /** Anything else: log and requeue with backoff. */
  Retry: 'retry',
} as const;
export type FailureClass = (typeof FailureClass)[keyof typeof FailureClass];

/** Classifies a reconcile error, looking through `cause` chains. */
export function classifyFailure(err: unknown): FailureClass {
  if (inCauseChain(err, (e) => e instanceof TerminalError)) return FailureClass.Terminal;
  if (inCauseChain(err, (e) => e instanceof ConflictError)) return FailureClass.Conflict;
  return FailureClass.Retry;
}
