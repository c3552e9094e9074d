/**
 * Key ordering and prefix helpers shared by the backends. Keys are ordered by their UTF-8 bytes, as etcd
 * and SQLite's BINARY collation order them, so every backend returns ranges in the same order.
 */

/**
 * Compares two keys by UTF-8 byte order (negative, zero or positive like `Array.prototype.sort` wants).
 * JavaScript's `<` compares UTF-16 code units, which disagrees with UTF-8 only when a supplementary
 * character meets one in U+E000–U+FFFF; the slow path handles exactly that case.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    // A surrogate encodes a code point above U+FFFF, which sorts after every BMP character in UTF-8.
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** True when `key` lies under `prefix` (the empty prefix matches every key). */
export function hasPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix);
}

/**
 * The smallest string greater than every string starting with `prefix`, or undefined when there is none
 * (empty prefix, or a prefix of only U+FFFF). Used as the exclusive upper bound of a prefix scan.
 */
export function prefixEnd(prefix: string): string | undefined {
  let end = prefix;
  while (end.length > 0) {
    const last = end.charCodeAt(end.length - 1);
    if (last < 0xffff) return end.slice(0, -1) + String.fromCharCode(last + 1);
    end = end.slice(0, -1);
  }
  return undefined;
}
