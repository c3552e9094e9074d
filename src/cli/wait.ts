import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../client/types.js';
import { objectRef } from './resource-arg.js';

interface Condition {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
  readonly observedGeneration?: unknown;
}

function condition(obj: KubeObject, type: string): Condition | undefined {
  const list = obj.status?.['conditions'];
  return Array.isArray(list) ? (list as Condition[]).find((c) => c.type === type) : undefined;
}

/** Ready means: Ready=True for the current generation. */
export function isReady(obj: KubeObject): boolean {
  const ready = condition(obj, 'Ready');
  if (ready?.status !== 'True') return false;
  const observed = ready.observedGeneration ?? obj.status?.['observedGeneration'];
  return observed === undefined || observed === obj.metadata.generation;
}

/** Why an object is not ready yet, from its Ready / Synced conditions. */
export function notReadyReason(obj: KubeObject): string {
  const synced = condition(obj, 'Synced');
  if (synced?.status === 'False') return `Synced=False ${String(synced.reason ?? '')}: ${String(synced.message ?? '')}`.trim();
  const ready = condition(obj, 'Ready');
  if (!ready) return 'no Ready condition yet (is a controller running for it?)';
  return `Ready=${String(ready.status)} ${String(ready.reason ?? '')}${ready.message ? `: ${String(ready.message)}` : ''}`.trim();
}

const POLL_MS = 500;

/**
 * Kinds whose controllers report a Ready condition. Others (ProviderConfig, IPAllocation, Secret, …) are
 * configuration read by those controllers: applied means done, so `--wait` does not wait for them.
 */
export const REPORTS_READY: ReadonlySet<string> = new Set(['Instance', 'Volume', 'Bucket', 'Network', 'Pool']);

/**
 * Waits until every object is Ready, printing progress on stderr when something changes. Resolves true when all
 * are Ready, false on timeout (listing what is not ready and why). Kinds without controllers never turn Ready;
 * the timeout message says so.
 */
export async function waitForReady(client: ApiClient, objects: readonly { type: ResourceType; object: KubeObject }[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Map(objects.filter((o) => REPORTS_READY.has(o.type.kind)).map((o) => [objectRef(o.type, o.object.metadata.name), o]));
  const total = pending.size;
  const last = new Map<string, KubeObject>();
  let lastLine = '';
  while (pending.size > 0) {
    for (const [ref, o] of [...pending]) {
      try {
        const current = await client.get(o.type, o.object.metadata.namespace, o.object.metadata.name);
        last.set(ref, current);
        if (isReady(current)) {
          pending.delete(ref);
          process.stderr.write(`${ref} ready\n`);
        }
      } catch (err) {
        last.delete(ref);
        process.stderr.write(`${ref}: ${(err as Error).message}\n`);
      }
    }
    if (pending.size === 0) break;
    const line = `waiting for ${pending.size}/${total} object(s) to be Ready`;
    if (line !== lastLine) process.stderr.write(`${line}\n`);
    lastLine = line;
    if (Date.now() >= deadline) {
      for (const [ref] of pending) {
        const seen = last.get(ref);
        process.stderr.write(`error: ${ref} not Ready after ${Math.round(timeoutMs / 1000)}s: ${seen ? notReadyReason(seen) : 'not found'}\n`);
      }
      return false;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}
