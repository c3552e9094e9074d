/**
 * Scalar field schemas reused by several kinds: object names, durations, timestamps, IP addresses
 * and CIDRs. Address fields are normalised to canonical text while parsing, so stored specs compare
 * equal however the user wrote them.
 */
import { z } from 'zod';
import { formatCidr, formatIp, parseCidr, parseIp } from './cidr.js';
import { parseDuration, DURATION_RE } from './duration.js';
import { addCause, FieldReason, showValue } from './issues.js';
import { DNS1123_SUBDOMAIN_HELP, DNS1123_SUBDOMAIN_MAX, DNS1123_SUBDOMAIN_RE } from './names.js';

/** The name of another object (a DNS-1123 subdomain). */
export function objectName(description: string) {
  return z
    .string()
    .max(DNS1123_SUBDOMAIN_MAX)
    .regex(DNS1123_SUBDOMAIN_RE, { message: `must be a DNS-1123 subdomain: ${DNS1123_SUBDOMAIN_HELP}` })
    .describe(description);
}

/** Shortest poll interval accepted; anything faster hammers providers for no benefit. */
export const MIN_POLL_INTERVAL_MS = 1000;
/** Longest poll interval accepted (drift should be noticed at least daily). */
export const MAX_POLL_INTERVAL_MS = 24 * 3_600_000;

/** A duration string (`30s`, `5m`, `1h30m`) between 1s and 24h, defaulting to `defaultValue`. */
export function pollInterval(defaultValue: string, description: string) {
  return z
    .string()
    .regex(DURATION_RE, { message: 'must be a duration such as "30s", "5m" or "1h30m" (units ms, s, m, h)' })
    .refine(
      (text) => {
        const ms = parseDuration(text);
        return ms !== undefined && ms >= MIN_POLL_INTERVAL_MS && ms <= MAX_POLL_INTERVAL_MS;
      },
      { message: 'must be between 1s and 24h' },
    )
    .default(defaultValue)
    .describe(description);
}

const RFC3339_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/;

/** An RFC 3339 timestamp such as `2024-05-01T12:00:00Z`. */
export function timestamp(description: string) {
  return z
    .string()
    .meta({ format: 'date-time' })
    .refine((text) => RFC3339_RE.test(text) && !Number.isNaN(Date.parse(text)), {
      message: 'must be an RFC 3339 timestamp such as "2024-05-01T12:00:00Z"',
    })
    .describe(description);
}

/** An IPv4 or IPv6 address, normalised to canonical text (`2001:DB8::0001` → `2001:db8::1`). */
export function ipAddress(description: string) {
  return z
    .string()
    .describe(description)
    .transform((text, ctx) => {
      const parsed = parseIp(text);
      if (parsed.ok) return formatIp(parsed.value);
      addCause(ctx, { path: [], reason: FieldReason.Invalid, message: `Invalid value: ${showValue(text)}: ${parsed.message}` });
      return z.NEVER;
    });
}

/**
 * An IPv4 or IPv6 CIDR, normalised to canonical text. Host bits must be zero; the message then
 * suggests the network address (`10.0.0.5/24` → use `10.0.0.0/24`).
 */
export function cidr(description: string) {
  return z
    .string()
    .meta({ format: 'cidr' })
    .describe(description)
    .transform((text, ctx) => {
      const parsed = parseCidr(text);
      if (parsed.ok) return formatCidr(parsed.value);
      const hint = parsed.suggestion === undefined ? '' : `; did you mean ${showValue(parsed.suggestion)}?`;
      addCause(ctx, { path: [], reason: FieldReason.Invalid, message: `Invalid value: ${showValue(text)}: ${parsed.message}${hint}` });
      return z.NEVER;
    });
}
