/**
 * An indexed informer cache: objects by `namespace/name`, indexes by
 * namespace, controller-owner uid, labels and custom indexers, read-only views
 * and `waitForSync`.
 * @module
 */
import type { StoreView } from "./plugin.ts";
import type { KubeObject } from "./types.ts";
import { objectKey } from "./types.ts";
import { jsonEqual } from "./patch.ts";

/** Maps an object to the index values it is filed under. */
export type Indexer<T extends KubeObject = KubeObject> = (obj: T) => string[];

/** The built-in namespace index name. */
export const INDEX_NAMESPACE = "namespace";
/** The built-in controller-owner uid index name. */
export const INDEX_OWNER = "owner";

/** Index name used by {@link Store.addLabelIndex}. */
export function labelIndexName(label: string): string {
  return `label:${label}`;
}

/** Differences produced by {@link Store.replace}. */
export interface ReplaceResult<T extends KubeObject = KubeObject> {
  /** Objects that were not cached before. */
  added: T[];
  /** Objects that changed: `[old, new]`. */
  updated: [T, T][];
  /** Objects no longer present. */
  deleted: T[];
}

/** The cache. */
export class Store<T extends KubeObject = KubeObject> implements StoreView<T> {
  #items = new Map<string, T>();
  #indexers = new Map<string, Indexer<T>>();
  #indexes = new Map<string, Map<string, Set<string>>>();
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  /** A stable read-only view. */
  readonly view: StoreView<T>;

  /** Creates an empty store with the namespace and owner indexes. */
  constructor() {
    this.addIndexer(INDEX_NAMESPACE, (o) => [o.metadata.namespace ?? ""]);
    this.addIndexer(
      INDEX_OWNER,
      (o) => (o.metadata.ownerReferences ?? []).filter((r) => r.controller).map((r) => r.uid),
    );
    this.view = {
      get: (k) => this.get(k),
      list: (ns) => this.list(ns),
      byIndex: (i, v) => this.byIndex(i, v),
    };
  }

  /** Registers an index (also filing objects already cached). */
  addIndexer(name: string, fn: Indexer<T>): void {
    if (this.#indexers.has(name)) return;
    this.#indexers.set(name, fn);
    this.#indexes.set(name, new Map());
    for (const [k, o] of this.#items) this.#file(name, fn, k, o);
  }

  /** Registers an index on a label's value (name `label:<key>`). */
  addLabelIndex(label: string): string {
    const name = labelIndexName(label);
    this.addIndexer(name, (o) => {
      const v = o.metadata.labels?.[label];
      return v === undefined ? [] : [v];
    });
    return name;
  }

  /** Number of cached objects. */
  get size(): number {
    return this.#items.size;
  }
  /** The cached object for a key. */
  get(key: string): Readonly<T> | undefined {
    return this.#items.get(key);
  }
  /** All cached objects, optionally one namespace. */
  list(namespace?: string): readonly Readonly<T>[] {
    if (namespace === undefined) return [...this.#items.values()];
    return this.byIndex(INDEX_NAMESPACE, namespace);
  }
  /** All keys. */
  keys(): string[] {
    return [...this.#items.keys()];
  }
  /** Objects filed under `value` in index `index` (`label:<key>` indexes are created on first use). */
  byIndex(index: string, value: string): readonly Readonly<T>[] {
    let idx = this.#indexes.get(index);
    if (!idx && index.startsWith("label:")) {
      this.addLabelIndex(index.slice("label:".length));
      idx = this.#indexes.get(index);
    }
    if (!idx) throw new Error(`no index ${index}`);
    return [...(idx.get(value) ?? [])].map((k) => this.#items.get(k)!);
  }

  /** Inserts or replaces an object; returns the previous one. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old) this.#unfile(key, old);
    this.#items.set(key, obj);
    for (const [n, fn] of this.#indexers) this.#file(n, fn, key, obj);
    return old;
  }

  /** Removes an object by key; returns it. */
  remove(key: string): T | undefined {
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#unfile(key, old);
    this.#items.delete(key);
    return old;
  }

  /** Replaces the whole content (a relist) and reports what changed. */
  replace(objs: T[]): ReplaceResult<T> {
    const res: ReplaceResult<T> = { added: [], updated: [], deleted: [] };
    const seen = new Set<string>();
    for (const o of objs) {
      const k = objectKey(o);
      seen.add(k);
      const old = this.#items.get(k);
      if (!old) res.added.push(o);
      else if (
        old.metadata.resourceVersion !== o.metadata.resourceVersion || !jsonEqual(old, o)
      ) res.updated.push([old, o]);
    }
    for (const [k, o] of this.#items) if (!seen.has(k)) res.deleted.push(o);
    this.#items = new Map();
    for (const idx of this.#indexes.values()) idx.clear();
    for (const o of objs) this.upsert(o);
    return res;
  }

  /** True once the first list has been applied. */
  get synced(): boolean {
    return this.#synced;
  }
  /** Marks the store synced (releases waitForSync). */
  markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    for (const w of this.#syncWaiters.splice(0)) w();
  }
  /** Resolves once the store has synced. */
  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((r) => this.#syncWaiters.push(r));
  }

  #file(name: string, fn: Indexer<T>, key: string, obj: T): void {
    const idx = this.#indexes.get(name)!;
    for (const v of fn(obj)) {
      let s = idx.get(v);
      if (!s) idx.set(v, s = new Set());
      s.add(key);
    }
  }
  #unfile(key: string, obj: T): void {
    for (const [n, fn] of this.#indexers) {
      const idx = this.#indexes.get(n)!;
      for (const v of fn(obj)) {
        const s = idx.get(v);
        s?.delete(key);
        if (s?.size === 0) idx.delete(v);
      }
    }
  }
}
