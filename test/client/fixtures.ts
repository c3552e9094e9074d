/** Objects and helpers shared by the client conformance suite and the runtime tests. */
import type { KubeObject } from '../../schemas/object.js';
import type { ClientWatchEvent } from '../../src/client/types.js';

/** A minimal valid Instance. */
export function instance(
  name: string,
  options: { namespace?: string; labels?: Record<string, string>; finalizers?: string[]; vcpus?: number } = {},
): KubeObject {
  return {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Instance',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.finalizers ? { finalizers: options.finalizers } : {}),
    },
    spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: options.vcpus ?? 1, memoryMiB: 512 },
  };
}

/** A minimal valid (cluster-scoped) ProviderConfig. */
export function providerConfig(name: string): KubeObject {
  return { apiVersion: 'converge.io/v1alpha1', kind: 'ProviderConfig', metadata: { name }, spec: { driver: 'sim' } };
}

/** Thrown by {@link take} when the stream did not deliver in time. */
export class TakeTimeout extends Error {
  constructor(readonly got: readonly ClientWatchEvent[]) {
    super(`watch delivered ${got.length} events before the deadline: ${JSON.stringify(got.map((e) => e.type))}`);
  }
}

/**
 * Reads events from `it` until `count` matching `keep` arrived (others are dropped), failing after
 * `timeoutMs`. The iterator stays open.
 */
export async function take(
  it: AsyncIterator<ClientWatchEvent>,
  count: number,
  options: { timeoutMs?: number; keep?: (e: ClientWatchEvent) => boolean } = {},
): Promise<ClientWatchEvent[]> {
  const got: ClientWatchEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? 3000);
  });
  try {
    while (got.length < count) {
      const next = await Promise.race([it.next(), deadline]);
      if (next === 'timeout') throw new TakeTimeout(got);
      if (next.done === true) break;
      if (options.keep === undefined || options.keep(next.value)) got.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return got;
}

/** Resolves with the error `p` rejects with, or undefined if it fulfils. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err;
  }
}

/** `type name` summaries of watch events, for compact assertions. */
export const summary = (events: readonly ClientWatchEvent[]): string[] =>
  events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`.trim());
