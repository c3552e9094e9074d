/**
 * A set of field paths, stored as a trie exactly like structured-merge-diff's `fieldpath.Set`: at each
 * node, `members` are the child paths that are in the set and `children` are the subtrees below. A
 * path can be a member and have children at once (`FieldsV1` then writes `".": {}` inside it).
 *
 * Sets are values: every operation returns a new set and never changes its operands.
 */
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import { BadRequestError } from '../../errors/index.js';
import { isJsonObject } from './json.js';
import type { FieldSchema } from './lists.js';
import {
  comparePathElements,
  parsePathElement,
  renderPath,
  serializePathElement,
  type Path,
  type PathElement,
} from './path.js';

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

const byElement = <T>(entries: Iterable<T>, pe: (t: T) => PathElement): T[] =>
  [...entries].sort((a, b) => comparePathElements(pe(a), pe(b)));

/** An immutable set of paths (see module doc). */
export class FieldSet {
  private readonly members: ReadonlyMap<string, PathElement>;
  private readonly children: ReadonlyMap<string, Child>;

  private constructor(members: ReadonlyMap<string, PathElement>, children: ReadonlyMap<string, Child>) {
    this.members = members;
    this.children = children;
  }

  /** The empty set. */
  static empty(): FieldSet {
    return EMPTY;
  }

  /** The set of the given paths. Empty paths are ignored (the root itself is never a member). */
  static of(paths: Iterable<Path>): FieldSet {
    const root = new Builder();
    for (const p of paths) root.insert(p, 0);
    return root.build();
  }

  /**
   * Decodes `FieldsV1` JSON (`{"f:spec":{"f:vcpus":{}}}`). Unknown element types are skipped, as SMD
   * does; a malformed document throws {@link BadRequestError}.
   */
  static fromFieldsV1(json: JsonValue): FieldSet {
    if (!isJsonObject(json)) throw new BadRequestError('FieldsV1 must be a JSON object');
    return readNode(json).set;
  }

  /** True when the set holds no path. */
  isEmpty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  /** True when `path` is a member. */
  has(path: Path): boolean {
    const [head, ...rest] = path;
    if (head === undefined) return false;
    const k = serializePathElement(head);
    if (rest.length === 0) return this.members.has(k);
    return this.children.get(k)?.set.has(rest) ?? false;
  }

  /** The subtree below `pe` (paths relative to it); empty when there is none. */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializePathElement(pe))?.set ?? EMPTY;
  }

  /** Paths in this set or in `other`. */
  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const members = new Map(this.members);
    for (const [k, pe] of other.members) members.set(k, pe);
    const children = new Map(this.children);
    for (const [k, c] of other.children) {
      const mine = children.get(k);
      children.set(k, mine === undefined ? c : { pe: c.pe, set: mine.set.union(c.set) });
    }
    return new FieldSet(members, children);
  }

  /** Paths in both sets. */
  intersection(other: FieldSet): FieldSet {
    const members = new Map([...this.members].filter(([k]) => other.members.has(k)));
    const children = new Map<string, Child>();
    for (const [k, c] of this.children) {
      const theirs = other.children.get(k);
      if (theirs === undefined) continue;
      const set = c.set.intersection(theirs.set);
      if (!set.isEmpty()) children.set(k, { pe: c.pe, set });
    }
    return new FieldSet(members, children);
  }

  /** Paths in this set but not in `other` (path by path: removing `a` keeps `a.b`). */
  difference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const members = new Map([...this.members].filter(([k]) => !other.members.has(k)));
    const children = new Map<string, Child>();
    for (const [k, c] of this.children) {
      const theirs = other.children.get(k);
      const set = theirs === undefined ? c.set : c.set.difference(theirs.set);
      if (!set.isEmpty()) children.set(k, { pe: c.pe, set });
    }
    return new FieldSet(members, children);
  }

  /**
   * SMD's `EnsureNamedFieldsAreMembers`: every declared struct field on the way to a member becomes a
   * member too (`spec.providerRef.name` adds `spec` and `spec.providerRef`), while entries of free
   * maps (`metadata.labels.app`) and list items are never added. Pruning relies on it to remove a
   * whole struct field that a manager stopped applying.
   */
  ensureNamedFieldsAreMembers(schema: FieldSchema, typePath: readonly string[] | undefined = []): FieldSet {
    const members = new Map(this.members);
    const children = new Map<string, Child>();
    const isStruct = typePath !== undefined && !schema.isFreeMap(typePath);
    for (const [k, c] of this.children) {
      let childType: readonly string[] | undefined;
      if (c.pe.kind === 'field') {
        if (isStruct) members.set(k, c.pe);
        childType = typePath === undefined ? undefined : [...typePath, c.pe.name];
      } else if (c.pe.kind === 'key') {
        childType = typePath;
      }
      children.set(k, { pe: c.pe, set: c.set.ensureNamedFieldsAreMembers(schema, childType) });
    }
    return new FieldSet(members, children);
  }

  /** Every member path, in SMD's iteration order (members, then subtrees, each in element order). */
  paths(): Path[] {
    const out: Path[] = [];
    this.collect([], out);
    return out;
  }

  /** Every member path rendered for humans, e.g. `.spec.vcpus`. */
  renderedPaths(): string[] {
    return this.paths().map(renderPath);
  }

  /** Same paths as `other`. */
  equals(other: FieldSet): boolean {
    return JSON.stringify(this.toFieldsV1()) === JSON.stringify(other.toFieldsV1());
  }

  /** Encodes the set as `FieldsV1` JSON with keys in SMD order (deterministic). */
  toFieldsV1(): JsonObject {
    return this.emit(false);
  }

  private collect(prefix: Path, out: Path[]): void {
    for (const pe of byElement(this.members.values(), (p) => p)) out.push([...prefix, pe]);
    for (const c of byElement(this.children.values(), (x) => x.pe)) c.set.collect([...prefix, c.pe], out);
  }

  private emit(includeSelf: boolean): JsonObject {
    const out: JsonObject = {};
    if (includeSelf && !this.isEmpty()) out['.'] = {};
    const keys = new Set([...this.members.keys(), ...this.children.keys()]);
    const elements = byElement(keys, (k) => (this.members.get(k) ?? this.children.get(k)!.pe));
    for (const k of elements) {
      const child = this.children.get(k);
      out[k] = child === undefined ? {} : child.set.emit(this.members.has(k));
    }
    return out;
  }

  /** @internal Used by the builder; not part of the API. */
  static fromParts(members: ReadonlyMap<string, PathElement>, children: ReadonlyMap<string, Child>): FieldSet {
    return new FieldSet(members, children);
  }
}

const EMPTY = FieldSet.fromParts(new Map(), new Map());

class Builder {
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, { pe: PathElement; node: Builder }>();

  insert(path: Path, at: number): void {
    const pe = path[at];
    if (pe === undefined) return;
    const k = serializePathElement(pe);
    if (at === path.length - 1) {
      this.members.set(k, pe);
      return;
    }
    let child = this.children.get(k);
    if (child === undefined) {
      child = { pe, node: new Builder() };
      this.children.set(k, child);
    }
    child.node.insert(path, at + 1);
  }

  build(): FieldSet {
    const children = new Map<string, Child>();
    for (const [k, c] of this.children) children.set(k, { pe: c.pe, set: c.node.build() });
    return FieldSet.fromParts(new Map(this.members), children);
  }
}

/** SMD's `readIterV1`: a node's subtree, and whether the node itself is a member (`"."` or a leaf `{}`). */
function readNode(json: JsonObject): { set: FieldSet; isMember: boolean } {
  let isMember = false;
  const members = new Map<string, PathElement>();
  const children = new Map<string, Child>();
  for (const [text, sub] of Object.entries(json)) {
    if (text === '.') {
      isMember = true;
      continue;
    }
    const pe = parsePathElement(text);
    if (pe === undefined) continue;
    if (!isJsonObject(sub)) throw new BadRequestError(`FieldsV1 value of ${JSON.stringify(text)} must be an object`);
    const child = readNode(sub);
    const k = serializePathElement(pe);
    if (child.isMember) members.set(k, pe);
    if (!child.set.isEmpty()) children.set(k, { pe, set: child.set });
  }
  const set = FieldSet.fromParts(members, children);
  return { set, isMember: isMember || set.isEmpty() };
}
