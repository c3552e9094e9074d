/**
 * Every external call goes through {@link callExternal}: it waits for a slot of the ProviderConfig's
 * semaphore, counts the call, and journals mutating actions with their duration and result.
 */
import type { Semaphore } from './semaphore.js';
import { JournalResult } from './journal.js';
import { nowText, type Run } from './run.js';

/** What is being done to the backend. */
export const ExternalAction = { Observe: 'Observe', Create: 'Create', Update: 'Update', Delete: 'Delete' } as const;
export type ExternalAction = (typeof ExternalAction)[keyof typeof ExternalAction];

/** Options of {@link callExternal}. */
export interface ExternalCallOptions {
  readonly action: ExternalAction;
  readonly semaphore: Semaphore;
  readonly externalName: string;
  readonly summary?: string;
}

/** Runs `fn` under the provider's limit; journals it unless it is an observe. */
export async function callExternal<T>(run: Run, options: ExternalCallOptions, fn: () => Promise<T>): Promise<T> {
  const { deps, obj } = run;
  const kind = deps.kind.type.kind;
  return options.semaphore.run(async () => {
    const startedAt = nowText(run);
    const started = deps.clock.now();
    const journal = (result: JournalResult, message?: string) => {
      if (options.action === ExternalAction.Observe) return;
      deps.journal.record({
        kind,
        ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
        name: obj.metadata.name,
        action: options.action,
        externalName: options.externalName,
        ...(options.summary !== undefined ? { summary: options.summary } : {}),
        startedAt,
        durationMs: deps.clock.now() - started,
        result,
        ...(message !== undefined ? { message } : {}),
      });
    };
    try {
      const result = await fn();
      deps.metrics.externalCall(kind, options.action, 'success');
      journal(JournalResult.Succeeded);
      return result;
    } catch (err) {
      deps.metrics.externalCall(kind, options.action, 'error');
      journal(JournalResult.Failed, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }, run.signal);
}
