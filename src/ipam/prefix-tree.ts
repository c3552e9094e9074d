/**
 * The free space of a pool as the free nodes of a binary prefix tree: every free block is a maximal
 * aligned prefix, kept in one min-heap per prefix length. Taking a block splits a larger one buddy-style,
 * so each take is O(bits · log n) and 10,000 successive allocations need no recomputation. Pure and
 * deterministic: the same free space and the same requests give the same prefixes.
 */
import { bitsOf, type Cidr, type IpFamily } from '../../schemas/cidr.js';
import { BigIntMinHeap } from './bigint-heap.js';
import { rangeToCidrs, type AddressRange } from './ranges.js';

/** How {@link PrefixTree.take} picks among the free blocks that can hold a request. */
export const FitStrategy = {
  /**
   * The smallest free block that can hold the request, lowest address among equals. Keeps large blocks
   * whole for large requests later (less fragmentation); used for prefixes.
   */
  BestFit: 'best-fit',
  /** The lowest free aligned block, whatever the size of the block around it; used for single addresses. */
  Lowest: 'lowest',
} as const;
export type FitStrategy = (typeof FitStrategy)[keyof typeof FitStrategy];

/** Free blocks of one address family; see the module comment. */
export class PrefixTree {
  /** Address family of every block. */
  readonly family: IpFamily;
  private readonly bits: number;
  /** `buckets[l]` holds the network addresses of the free blocks of prefix length `l`. */
  private readonly buckets: BigIntMinHeap[];

  private constructor(family: IpFamily) {
    this.family = family;
    this.bits = bitsOf(family);
    this.buckets = Array.from({ length: this.bits + 1 }, () => new BigIntMinHeap());
  }

  /** A tree whose free space is exactly the given ranges (merged, in `family`). */
  static fromFree(family: IpFamily, free: readonly AddressRange[]): PrefixTree {
    const tree = new PrefixTree(family);
    for (const range of free) {
      for (const block of rangeToCidrs(range, family)) tree.bucket(block.prefixLength).push(block.network);
    }
    return tree;
  }

  private bucket(prefixLength: number): BigIntMinHeap {
    const heap = this.buckets[prefixLength];
    if (heap === undefined) throw new RangeError(`prefix length ${prefixLength} is outside 0..${this.bits}`);
    return heap;
  }

  /** The prefix length of the bucket to take from for a /`prefixLength` request, or undefined if none fits. */
  private choose(prefixLength: number, strategy: FitStrategy): number | undefined {
    if (strategy === FitStrategy.BestFit) {
      for (let l = prefixLength; l >= 0; l--) if (this.bucket(l).size > 0) return l;
      return undefined;
    }
    let best: number | undefined;
    let bestAddress: bigint | undefined;
    for (let l = 0; l <= prefixLength; l++) {
      const min = this.bucket(l).peek();
      if (min !== undefined && (bestAddress === undefined || min < bestAddress)) {
        best = l;
        bestAddress = min;
      }
    }
    return best;
  }

  /**
   * Removes and returns a free, aligned /`prefixLength` block, or undefined when none is left. The block is
   * the first one of the chosen free block; the rest of that block stays free as its buddies.
   * @throws RangeError when `prefixLength` is not an integer in 0..bits of the family.
   */
  take(prefixLength: number, strategy: FitStrategy = FitStrategy.BestFit): Cidr | undefined {
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > this.bits) {
      throw new RangeError(`prefix length ${prefixLength} is outside 0..${this.bits}`);
    }
    const from = this.choose(prefixLength, strategy);
    if (from === undefined) return undefined;
    const network = this.bucket(from).pop();
    if (network === undefined) return undefined;
    // Splitting a /from into a /prefixLength leaves one upper buddy free at every level in between.
    for (let l = from + 1; l <= prefixLength; l++) {
      this.bucket(l).push(network + (1n << BigInt(this.bits - l)));
    }
    return { family: this.family, network, prefixLength };
  }

  /** Every free block, by address. */
  freeBlocks(): Cidr[] {
    const out: Cidr[] = [];
    this.buckets.forEach((heap, prefixLength) => {
      for (const network of heap.sorted()) out.push({ family: this.family, network, prefixLength });
    });
    return out.sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : 0));
  }

  /** Number of free addresses. */
  freeAddresses(): bigint {
    let total = 0n;
    this.buckets.forEach((heap, prefixLength) => {
      total += BigInt(heap.size) << BigInt(this.bits - prefixLength);
    });
    return total;
  }
}
