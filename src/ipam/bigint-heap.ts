/** A binary min-heap of BigInt: the free blocks of one size, so the lowest one is found in O(log n). */
export class BigIntMinHeap {
  private readonly items: bigint[] = [];

  /** Number of values held. */
  get size(): number {
    return this.items.length;
  }

  /** The smallest value, or undefined when empty. */
  peek(): bigint | undefined {
    return this.items[0];
  }

  /** Adds `value` (duplicates are kept). */
  push(value: bigint): void {
    const items = this.items;
    items.push(value);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as bigint;
      if (p <= value) break;
      items[i] = p;
      i = parent;
    }
    items[i] = value;
  }

  /** Removes and returns the smallest value, or undefined when empty. */
  pop(): bigint | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const l = items[left] as bigint;
      const r = items[right];
      const child = r !== undefined && r < l ? right : left;
      const c = r !== undefined && r < l ? r : l;
      if (last <= c) break;
      items[i] = c;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** All values in ascending order (a copy; the heap is unchanged). */
  sorted(): bigint[] {
    return [...this.items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
