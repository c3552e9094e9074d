/**
 * The informer's local copy of a kind: objects by key plus named indexes (client-go's `Indexer`). Objects
 * are deep-frozen on the way in, because a controller that mutated a cached object would silently corrupt
 * what every other reader sees; copy with `structuredClone` before changing anything.
 */
import type { KubeObject } from '../../schemas/object.js';
import { matchesLabels, type LabelSelector } from '../apiserver/util/labels.js';
import { InvalidError } from '../errors/index.js';
import { keyOfObject } from './request.js';

/** Values an object is indexed under (e.g. its namespace, its owner's uid). */
export type IndexFunc = (obj: KubeObject) => readonly string[];

/** Name of the built-in index by `metadata.namespace` (cluster-scoped objects are not in it). */
export const NAMESPACE_INDEX = 'namespace';

/** Read access to a cache: what controllers get. */
export interface CacheReader {
  /** The object with this key (`namespace/name` or `name`), or undefined. */
  get(key: string): KubeObject | undefined;
  /** Every object, optionally only one namespace's and/or those matching a label selector. */
  list(options?: CacheListOptions): KubeObject[];
  /** Objects whose index `index` holds `value`; throws `InvalidError` for an unknown index. */
  byIndex(index: string, value: string): KubeObject[];
  /** Number of objects. */
  readonly size: number;
}

/** Filters of {@link CacheReader.list}. */
export interface CacheListOptions {
  readonly namespace?: string;
  readonly labels?: LabelSelector;
}

/** What {@link Cache.replace} changed, for the informer to turn into events. */
export interface ReplaceDiff {
  readonly added: readonly KubeObject[];
  readonly updated: readonly { readonly old: KubeObject; readonly new: KubeObject }[];
  readonly deleted: readonly KubeObject[];
}

/** Options of {@link Cache}. */
export interface CacheOptions {
  /** Extra indexes by name; {@link NAMESPACE_INDEX} is always present. */
  readonly indexers?: Readonly<Record<string, IndexFunc>>;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const namespaceIndex: IndexFunc = (obj) => (obj.metadata.namespace ? [obj.metadata.namespace] : []);

/** See the module comment. Mutations are for the informer; controllers use the {@link CacheReader} view. */
export class Cache implements CacheReader {
  private readonly items = new Map<string, KubeObject>();
  private readonly indexers = new Map<string, IndexFunc>();
  /** index name → index value → keys. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(options: CacheOptions = {}) {
    this.addIndexer(NAMESPACE_INDEX, namespaceIndex);
    for (const [name, fn] of Object.entries(options.indexers ?? {})) this.addIndexer(name, fn);
  }

  get size(): number {
    return this.items.size;
  }

  /** Adds an index (existing objects are indexed at once); throws `InvalidError` if the name is taken. */
  addIndexer(name: string, fn: IndexFunc): void {
    if (this.indexers.has(name)) throw new InvalidError(`index "${name}" already exists`);
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.items) this.indexOne(index, fn, key, obj);
  }

  get(key: string): KubeObject | undefined {
    return this.items.get(key);
  }

  list(options: CacheListOptions = {}): KubeObject[] {
    const source = options.namespace !== undefined ? this.byIndex(NAMESPACE_INDEX, options.namespace) : [...this.items.values()];
    const labels = options.labels;
    return labels === undefined ? source : source.filter((obj) => matchesLabels(labels, obj.metadata.labels));
  }

  /** Every key, in no particular order. */
  keys(): string[] {
    return [...this.items.keys()];
  }

  byIndex(index: string, value: string): KubeObject[] {
    const idx = this.indices.get(index);
    if (idx === undefined) throw new InvalidError(`index "${index}" does not exist`);
    const out: KubeObject[] = [];
    for (const key of idx.get(value) ?? []) {
      const obj = this.items.get(key);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  /** Inserts or replaces an object; returns the one it replaced. */
  upsert(obj: KubeObject): KubeObject | undefined {
    const key = keyOfObject(obj);
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    const frozen = deepFreeze(obj);
    this.items.set(key, frozen);
    for (const [name, fn] of this.indexers) this.indexOne(this.indices.get(name)!, fn, key, frozen);
    return old;
  }

  /** Removes the object with this key; returns it. */
  remove(key: string): KubeObject | undefined {
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  /**
   * Makes the cache hold exactly `objects` (a fresh list) and reports the difference. An object counts as
   * updated only when its resourceVersion changed.
   */
  replace(objects: readonly KubeObject[]): ReplaceDiff {
    const seen = new Set<string>();
    const added: KubeObject[] = [];
    const updated: { old: KubeObject; new: KubeObject }[] = [];
    for (const obj of objects) {
      const key = keyOfObject(obj);
      seen.add(key);
      const old = this.items.get(key);
      if (old !== undefined && old.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
      const frozen = deepFreeze(obj);
      this.upsert(frozen);
      if (old === undefined) added.push(frozen);
      else updated.push({ old, new: frozen });
    }
    const deleted: KubeObject[] = [];
    for (const key of [...this.items.keys()]) {
      if (seen.has(key)) continue;
      const old = this.remove(key);
      if (old !== undefined) deleted.push(old);
    }
    return { added, updated, deleted };
  }

  private indexOne(index: Map<string, Set<string>>, fn: IndexFunc, key: string, obj: KubeObject): void {
    for (const value of fn(obj)) {
      let keys = index.get(value);
      if (keys === undefined) index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, obj: KubeObject): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
