/**
 * Periodic compaction that keeps a window of recent history, so a store does not grow without bound and
 * nobody has to remember to compact it (kine's users suffer when this is manual).
 */

/** What {@link startAutoCompaction} drives. */
export interface AutoCompactTarget {
  currentRevision(): Promise<number> | number;
  compactRevision(): Promise<number> | number;
  compact(revision: number): Promise<void>;
}

/** Options for {@link startAutoCompaction}. */
export interface AutoCompactOptions {
  /** Revisions of history to keep; 0 disables automatic compaction. */
  readonly retainRevisions: number;
  /** How often to run, in ms. */
  readonly intervalMs: number;
  /** Called with any error a run throws (runs keep going); default: ignore. */
  readonly onError?: (err: unknown) => void;
}

/** A running automatic compactor. */
export interface AutoCompactor {
  /** Runs one compaction now (what the timer does); resolves when it is done. */
  runOnce(): Promise<void>;
  /** Stops the timer; waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Compacts `target` every `intervalMs` down to `current - retainRevisions`. The timer is unref'd so it
 * never keeps the process alive, and runs never overlap.
 */
export function startAutoCompaction(target: AutoCompactTarget, options: AutoCompactOptions): AutoCompactor {
  let running: Promise<void> | undefined;
  let stopped = false;
  const runOnce = async (): Promise<void> => {
    if (options.retainRevisions <= 0) return;
    if (running !== undefined) return running;
    running = (async () => {
      const current = await target.currentRevision();
      const goal = current - options.retainRevisions;
      if (goal > (await target.compactRevision())) await target.compact(goal);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer =
    options.retainRevisions > 0
      ? setInterval(() => {
          if (stopped) return;
          runOnce().catch((err: unknown) => options.onError?.(err));
        }, Math.max(1, options.intervalMs))
      : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** Default window of history kept by automatic compaction. */
export const DEFAULT_RETAIN_REVISIONS = 10_000;
/** Default interval between automatic compactions. */
export const DEFAULT_COMPACT_INTERVAL_MS = 60_000;
