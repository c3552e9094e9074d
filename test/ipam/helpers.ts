/** Shared helpers of the IPAM tests: CIDR literals and a pool layout from spec-like input. */
import { parseCidr, type Cidr } from '../../schemas/cidr.js';

/** Parses a CIDR literal of a test table; a typo fails the test loudly. */
export function c(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`bad CIDR in test table: ${text}: ${parsed.message}`);
  return parsed.value;
}
