import type { CST } from 'yaml';

/** Deepest nesting accepted in a manifest (Kubernetes objects need a few dozen at most). */
export const MAX_MANIFEST_DEPTH = 100;

type CstNode = { type?: string; value?: unknown; key?: unknown; items?: unknown[]; start?: unknown };

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * Whether the collections in a YAML stream's concrete syntax tree (the `yaml` package's `Parser` output) nest
 * deeper than `limit`, computed with an explicit stack. The package's composer recurses once per level, so a
 * hostile 10,000-deep document would exhaust the stack or memory; this check runs first, on the non-recursive
 * parser's tokens, which are then composed without being parsed again.
 */
export function cstDepthExceeds(tokens: readonly CST.Token[], limit = MAX_MANIFEST_DEPTH): boolean {
  for (const token of tokens) {
    const stack: { node: unknown; depth: number }[] = [{ node: token, depth: 0 }];
    while (stack.length > 0) {
      const { node, depth } = stack.pop()!;
      if (node === null || typeof node !== 'object') continue;
      const n = node as CstNode;
      const d = n.type !== undefined && COLLECTIONS.has(n.type) ? depth + 1 : depth;
      if (d > limit) return true;
      if (n.value !== undefined) stack.push({ node: n.value, depth: d });
      if (n.key !== undefined) stack.push({ node: n.key, depth: d });
      if (Array.isArray(n.items)) for (const item of n.items) stack.push({ node: item, depth: d });
    }
  }
  return false;
}
