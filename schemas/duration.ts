/**
 * Durations as written in specs: one or more `<integer><unit>` terms with units `ms`, `s`, `m`, `h`
 * (a subset of Go's `time.ParseDuration`, so a real Kubernetes API server accepts the same strings).
 */

/** RE2-compatible pattern for a duration string, e.g. `30s`, `5m`, `1h30m`, `500ms`. */
export const DURATION_RE = /^([0-9]+(ms|s|m|h))+$/;

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in `text`, or undefined if it is not a duration string. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/([0-9]+)(ms|s|m|h)/g)) {
    const amount = Number(match[1]);
    const unit = unitMs[match[2] ?? ''];
    if (unit === undefined) return undefined;
    total += amount * unit;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Shortest duration string for `ms` (e.g. 5400000 → `1h30m`); inverse of {@link parseDuration}. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a duration in milliseconds: ${ms}`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
