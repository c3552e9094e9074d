/**
 * Overlap helpers for prefixes. Two prefixes either nest or are disjoint, which makes these simple: the
 * overlap of two prefixes is the longer one, and a sorted sweep with a stack finds every overlapping pair.
 */
import { cidrFirst, cidrLast, cidrsOverlap, type Cidr } from '../../schemas/cidr.js';

/** True when every address of `inner` lies in `outer` (same family). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && cidrFirst(outer) <= cidrFirst(inner) && cidrLast(inner) <= cidrLast(outer);
}

/** The addresses both prefixes share, as a prefix (the longer of the two), or undefined when disjoint. */
export function intersectCidrs(a: Cidr, b: Cidr): Cidr | undefined {
  if (!cidrsOverlap(a, b)) return undefined;
  return a.prefixLength >= b.prefixLength ? a : b;
}

/** True when `cidr` shares an address with any of `others`. */
export function overlapsAny(cidr: Cidr, others: readonly Cidr[]): boolean {
  return others.some((o) => cidrsOverlap(cidr, o));
}

/** Orders prefixes by family, then address, then shorter (enclosing) prefix first. */
export function compareCidrs(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.network !== b.network) return a.network < b.network ? -1 : 1;
  return a.prefixLength - b.prefixLength;
}

/**
 * Every pair of `items` whose prefixes overlap, each pair once with the enclosing (or equal, earlier) item
 * first. O(n log n + pairs). Use it to report pool conflicts with observed networks or to audit allocations.
 */
export function findOverlaps<T>(items: readonly T[], cidrOf: (item: T) => Cidr): [T, T][] {
  const sorted = items.map((item) => ({ item, cidr: cidrOf(item) })).sort((x, y) => compareCidrs(x.cidr, y.cidr));
  const pairs: [T, T][] = [];
  const stack: { item: T; cidr: Cidr }[] = [];
  for (const entry of sorted) {
    // Everything left on the stack after popping the disjoint ones encloses this entry.
    for (let top = stack.at(-1); top !== undefined && !cidrsOverlap(top.cidr, entry.cidr); top = stack.at(-1)) stack.pop();
    for (const outer of stack) pairs.push([outer.item, entry.item]);
    stack.push(entry);
  }
  return pairs;
}
