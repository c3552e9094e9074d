import { Composer, LineCounter, Parser, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import { MAX_MANIFEST_DEPTH, cstDepthExceeds } from './depth.js';
import { fastLoadDocuments, type LoadedDocument } from './fast-load.js';

/** Limits that keep a hostile manifest from exhausting memory (alias bombs) or the stack. */
const MAX_ALIASES = 100;

/** One YAML document of a manifest file, with what is needed to point errors at a line. */
export interface ManifestDocument {
  /** File path as given by the user, or `-` for stdin. */
  readonly source: string;
  /** 0-based position of the document in the file. */
  readonly index: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  /** The parsed value (usually an object). */
  readonly value: unknown;
  /** 1-based line of a field, e.g. `['spec','memoryMiB']`, or of the closest ancestor found. */
  lineOf(path: readonly (string | number)[]): number;
}

/** A manifest problem, rendered `file:line: message`. */
export class ManifestError extends Error {
  readonly source: string;
  readonly line: number;
  constructor(source: string, line: number, message: string) {
    super(`${source}:${line}: ${message}`);
    this.name = 'ManifestError';
    this.source = source;
    this.line = line;
  }
}

function childNode(node: Node | null | undefined, key: string | number): Node | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? pair.key.value : pair.key;
      if (k === key) return (pair.value as Node | null) ?? (pair.key as Node);
    }
  } else if (isSeq(node) && typeof key === 'number') {
    return (node.items[key] as Node | undefined) ?? undefined;
  }
  return undefined;
}

function lineLocator(doc: Document, counter: LineCounter, startLine: number) {
  return (path: readonly (string | number)[]): number => {
    let node: Node | undefined = (doc.contents as Node | null) ?? undefined;
    let line = startLine;
    for (const key of path) {
      const next = childNode(node, key);
      if (!next) break;
      node = next;
      if (node.range) line = counter.linePos(node.range[0]).line;
    }
    return line;
  };
}

/** The first map key that repeats within its map, found with an explicit stack and a Set per map (linear). */
function findDuplicateKey(root: Node): Node | undefined {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const keys = new Set<unknown>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (keys.has(key)) return pair.key as Node;
        keys.add(key);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  return undefined;
}

/**
 * Parses a multi-document YAML (or JSON) manifest. Empty documents (`---` alone, comments) are skipped.
 * Syntax errors, alias bombs and duplicate keys throw a {@link ManifestError} pointing at the line.
 * Well-formed input takes the fast path (fast-load.ts); fields' lines are then found by the careful parser
 * only for the documents that are asked about (a validation error).
 */
export function parseManifests(text: string, source: string): ManifestDocument[] {
  const fast = fastLoadDocuments(text);
  if (fast === undefined) return parseCarefully(text, source);
  return fast.flatMap((doc, index) =>
    doc.value === null || doc.value === undefined ? [] : [{ source, index, line: doc.line, value: doc.value, lineOf: lazyLineOf(doc, source) }],
  );
}

/** `lineOf` for a fast-loaded document: the careful parser reads that document's text on the first call. */
function lazyLineOf(doc: LoadedDocument, source: string): (path: readonly (string | number)[]) => number {
  let careful: ManifestDocument | undefined;
  let tried = false;
  return (path) => {
    if (!tried) {
      tried = true;
      try {
        careful = parseCarefully(doc.text, source)[0];
      } catch {
        careful = undefined; // js-yaml accepted what the strict parser does not: the document's line will do
      }
    }
    return careful === undefined ? doc.line : careful.lineOf(path) + doc.textLine - 1;
  };
}

/** The `yaml` package's parse with lines for every node and precise errors; see {@link parseManifests}. */
function parseCarefully(text: string, source: string): ManifestDocument[] {
  const counter = new LineCounter();
  // What parseAllDocuments does, with the tokens kept so the depth check does not parse the text a second time.
  const tokens = Array.from(new Parser(counter.addNewLine).parse(text));
  if (cstDepthExceeds(tokens)) throw new ManifestError(source, 1, `invalid YAML: nested deeper than ${MAX_MANIFEST_DEPTH} levels`);
  // The package's own duplicate-key check is quadratic in the number of keys; ours (below) is linear.
  const list = Array.from(new Composer({ uniqueKeys: false, prettyErrors: false, strict: true }).compose(tokens));
  const out: ManifestDocument[] = [];
  list.forEach((doc, index) => {
    const problem = doc.errors[0];
    if (problem) {
      const line = counter.linePos(problem.pos[0]).line;
      throw new ManifestError(source, line, `invalid YAML: ${problem.message.split('\n')[0] ?? problem.code}`);
    }
    if (doc.contents === null) return;
    const duplicate = findDuplicateKey(doc.contents as Node);
    if (duplicate) {
      const line = duplicate.range ? counter.linePos(duplicate.range[0]).line : 1;
      throw new ManifestError(source, line, `invalid YAML: duplicate key ${JSON.stringify(isScalar(duplicate) ? duplicate.value : '?')}`);
    }
    const start = doc.contents.range ? counter.linePos(doc.contents.range[0]).line : 1;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      throw new ManifestError(source, start, `invalid YAML: ${(err as Error).message}`);
    }
    if (value === null || value === undefined) return;
    out.push({ source, index, line: start, value, lineOf: lineLocator(doc, counter, start) });
  });
  return out;
}
