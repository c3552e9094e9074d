/**
 * A Pool's spec in the allocator's terms: parsed prefixes and reserved ranges. Pure; the spec strings
 * are canonical already (the Pool schema normalises them), so parsing cannot disagree with validation.
 */
import { parseCidr, parseIp, type Cidr, type IpFamily } from '../../schemas/cidr.js';
import type { PoolSpec } from '../../schemas/pool.js';
import { FieldReason } from '../../schemas/issues.js';
import { InvalidError } from '../errors/index.js';
import type { AddressRange } from './ranges.js';

/** A reserved range of one family. */
export interface FamilyRange extends AddressRange {
  readonly family: IpFamily;
}

/** What the planner needs to know about a Pool. */
export interface PoolLayout {
  /** Pool name, for messages and allocation names. */
  readonly name: string;
  /** `spec.cidrs`, in spec order (the order decides the default address family). */
  readonly cidrs: readonly Cidr[];
  /** `spec.reserved`: never handed out. */
  readonly reserved: readonly FamilyRange[];
}

function invalid(pool: string, field: string, value: string, message: string): InvalidError {
  const text = `Invalid value: "${value}": ${message}`;
  return new InvalidError(`Pool "${pool}" is invalid: ${field}: ${text}`, {
    kind: 'Pool',
    name: pool,
    causes: [{ field, reason: FieldReason.Invalid, message: text }],
  });
}

/**
 * The layout of pool `name` with spec `spec`.
 * @throws InvalidError naming the field when a prefix or address does not parse (a spec that bypassed validation).
 */
export function poolLayout(name: string, spec: Pick<PoolSpec, 'cidrs' | 'reserved'>): PoolLayout {
  const cidrs = spec.cidrs.map((text, i) => {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw invalid(name, `spec.cidrs[${i}]`, text, parsed.message);
    return parsed.value;
  });
  const reserved = (spec.reserved ?? []).map((range, i): FamilyRange => {
    const start = parseIp(range.start);
    const end = parseIp(range.end);
    if (!start.ok) throw invalid(name, `spec.reserved[${i}].start`, range.start, start.message);
    if (!end.ok) throw invalid(name, `spec.reserved[${i}].end`, range.end, end.message);
    if (start.value.family !== end.value.family || end.value.value < start.value.value) {
      throw invalid(name, `spec.reserved[${i}].end`, range.end, 'must be of the same family as start and not before it');
    }
    return { family: start.value.family, first: start.value.value, last: end.value.value };
  });
  return { name, cidrs, reserved };
}
