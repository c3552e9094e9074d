/** When to look at an object again: its `spec.pollInterval` with ±10% jitter, so polls do not synchronise. */
import { parseDuration } from '../../schemas/duration.js';
import type { KubeObject } from '../../schemas/object.js';

/** Poll interval used when the spec has none (the schema default). */
export const DEFAULT_POLL_MS = 10 * 60 * 1000;

/** `spec.pollInterval` in ms (default 10 min), scaled by a factor in [0.9, 1.1) drawn from `random`. */
export function pollDelayMs(obj: KubeObject, random: () => number = Math.random): number {
  const text = obj.spec?.['pollInterval'];
  const base = (typeof text === 'string' ? parseDuration(text) : undefined) ?? DEFAULT_POLL_MS;
  return Math.round(base * (0.9 + 0.2 * random()));
}
