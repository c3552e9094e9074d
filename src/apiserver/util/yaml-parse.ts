/**
 * Safe YAML for request bodies, on top of the `yaml` package. That package is safe only when driven carefully:
 * its composer recurses per nesting level (10,000 levels crash the process), its duplicate-key check is quadratic
 * (40,000 keys take half a minute), aliases share objects and `toJS` trusts anchors. So we stream lexer tokens into
 * the parser and stop as soon as nesting passes the limit, compose without its key checks, and convert the
 * document ourselves: duplicate keys with a hash lookup, every alias expansion counted and bounded, plain
 * JSON values only (YAML 1.2 core schema, no custom or YAML 1.1 tags, no merge keys), keys always strings.
 *
 * The package parses at roughly 1 MB/s, on the event loop, so YAML text is capped ({@link DEFAULT_MAX_YAML_BYTES})
 * well below the body limit; JSON sent with a YAML media type (what kubectl's server-side apply sends) takes the
 * fast JSON path and is not subject to that cap.
 */
import {
  Composer,
  Lexer,
  Parser,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type DocumentOptions,
  type Node,
  type ParseOptions as YamlLibParseOptions,
  type SchemaOptions,
} from 'yaml';
import { BadRequestError, RequestTooLargeError } from '../../errors/index.js';
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import { DEFAULT_MAX_DEPTH, formatPath, lineColumn, parseJson, setOwn, type ParseOptions } from './json-parse.js';

/** Alias expansions allowed per document; anchors in request bodies are rare and never need more. */
export const DEFAULT_MAX_ALIAS_COUNT = 100;
/** Largest YAML (non-JSON) text accepted: a quarter of a second of parsing on a loaded 2-core machine. */
export const DEFAULT_MAX_YAML_BYTES = 256 * 1024;
/** Largest JSON size (estimated) a document may expand to through aliases. */
export const DEFAULT_MAX_EXPANDED_BYTES = 4 * 1024 * 1024;

/** Options of {@link parseYaml}. */
export interface YamlParseOptions extends ParseOptions {
  readonly maxAliasCount?: number;
  /** Larger YAML text is refused with 413 (JSON text is exempt). */
  readonly maxYamlBytes?: number;
  readonly maxExpandedBytes?: number;
}

const COMPOSE_OPTIONS: YamlLibParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.2',
  schema: 'core',
  merge: false,
  resolveKnownTags: false,
  customTags: [],
  stringKeys: true,
  // Our conversion detects duplicates in O(1) per key; the package's check is O(n²).
  uniqueKeys: false,
  strict: true,
  prettyErrors: false,
  keepSourceTokens: false,
};

/** Parser stack entries above the data depth: document, and the node being built. */
const STACK_SLACK = 8;

/** Parses YAML text holding one document (or JSON text) into a JSON value. See the module comment for limits. */
export function parseYaml(text: string, options: YamlParseOptions = {}): JsonValue {
  const first = /\S/.exec(text)?.[0];
  if (first === '{' || first === '[') {
    try {
      return parseJson(text, options);
    } catch (err) {
      // Flow-style YAML (`{a: 1}`) is not JSON; only fall back when the YAML parser may afford it.
      if (Buffer.byteLength(text, 'utf8') > (options.maxYamlBytes ?? DEFAULT_MAX_YAML_BYTES)) throw err;
    }
  }
  const maxYaml = options.maxYamlBytes ?? DEFAULT_MAX_YAML_BYTES;
  if (Buffer.byteLength(text, 'utf8') > maxYaml) {
    throw new RequestTooLargeError(
      `YAML request bodies are limited to ${maxYaml} bytes; send larger objects as application/json`,
    );
  }
  const fail = (message: string, offset: number): never => {
    const { line, column } = lineColumn(text, offset);
    throw new BadRequestError(`invalid YAML at line ${line} column ${column}: ${message}`);
  };
  const docs = composeDocuments(text, options.maxDepth ?? DEFAULT_MAX_DEPTH, fail);
  const withContent = docs.filter((d) => !isEmptyDocument(d));
  if (withContent.length > 1) {
    fail('multiple YAML documents are not allowed in a request body', withContent[1]!.range[0]);
  }
  const doc = withContent[0];
  if (doc === undefined) return null;
  return new Converter(options, fail).convert(doc.contents, 0);
}

/** A document with no content at all (`---` alone, a comment), as opposed to an explicit `null`/`~`. */
function isEmptyDocument(doc: Document.Parsed): boolean {
  const c = doc.contents;
  return c === null || (isScalar(c) && c.value === null && c.source === '' && !c.tag && !c.anchor);
}

function composeDocuments(text: string, maxDepth: number, fail: (m: string, at: number) => never): Document.Parsed[] {
  const parser = new Parser();
  const tokens = [];
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > maxDepth + STACK_SLACK) fail(`nesting depth exceeds the limit of ${maxDepth}`, parser.offset);
  }
  for (const token of parser.end()) tokens.push(token);
  const docs = [...new Composer(COMPOSE_OPTIONS).compose(tokens)];
  for (const doc of docs) {
    // Warnings are unresolved tags (`!foo`, `!!binary`, `!!set`…): values we cannot represent faithfully.
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) fail(problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), problem.pos[0]);
  }
  return docs;
}

/** Turns a composed document into plain JSON values, enforcing depth, aliases, expansion and key rules. */
class Converter {
  private readonly anchors = new Map<string, Node>();
  /** Keys and indexes leading to the node being converted, indexed by depth (no per-node allocation). */
  private readonly path: (string | number)[] = [];
  private aliases = 0;
  private bytes = 0;
  private readonly maxDepth: number;
  private readonly maxAliases: number;
  private readonly maxBytes: number;

  constructor(
    private readonly options: YamlParseOptions,
    private readonly fail: (message: string, offset: number) => never,
  ) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxAliases = options.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT;
    this.maxBytes = options.maxExpandedBytes ?? DEFAULT_MAX_EXPANDED_BYTES;
  }

  private charge(bytes: number, at: number): void {
    this.bytes += bytes;
    if (this.bytes > this.maxBytes) this.fail(`document expands beyond ${this.maxBytes} bytes (through aliases)`, at);
  }

  convert(node: unknown, depth: number): JsonValue {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const at = node.range?.[0] ?? 0;
      if (++this.aliases > this.maxAliases) this.fail(`more than ${this.maxAliases} alias expansions`, at);
      const target = this.anchors.get(node.source);
      if (target === undefined) return this.fail(`unknown alias *${node.source}`, at);
      return this.convert(target, depth);
    }
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) return this.fail('unsupported YAML node', 0);
    // Document order: an alias can only refer to an anchor already seen, as YAML requires.
    if (node.anchor) this.anchors.set(node.anchor, node);
    const at = node.range?.[0] ?? 0;
    if (isScalar(node)) return this.scalar(node.value, at);
    if (depth + 1 > this.maxDepth) this.fail(`nesting depth exceeds the limit of ${this.maxDepth}`, at);
    this.charge(2, at);
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        this.path[depth] = i;
        return this.convert(item, depth + 1);
      });
    }
    const obj: JsonObject = {};
    for (const pair of node.items) {
      const keyNode = pair.key as unknown;
      const key = isScalar(keyNode) ? keyNode.value : undefined;
      const keyAt = isScalar(keyNode) ? (keyNode.range?.[0] ?? at) : at;
      if (typeof key !== 'string') return this.fail('mapping keys must be strings', keyAt);
      this.charge(key.length + 4, keyAt);
      this.path[depth] = key;
      if (Object.prototype.hasOwnProperty.call(obj, key)) {
        const message = `duplicate field "${formatPath(this.path.slice(0, depth + 1))}"`;
        if (this.options.duplicateKeys !== 'warn') this.fail(message, keyAt);
        this.options.onWarning?.(message);
      }
      setOwn(obj, key, this.convert(pair.value, depth + 1));
    }
    return obj;
  }

  private scalar(value: unknown, at: number): JsonValue {
    if (value === null || typeof value === 'boolean') {
      this.charge(5, at);
      return value;
    }
    if (typeof value === 'string') {
      this.charge(value.length + 2, at);
      return value;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return this.fail('.inf and .nan cannot be represented in JSON', at);
      this.charge(8, at);
      return value;
    }
    return this.fail(`unsupported scalar of type ${typeof value}`, at);
  }
}
