/**
 * In-memory object storage with one monotonic resourceVersion, a bounded
 * event window for watches, and optional durable persistence (an append-only
 * log fsynced before a write is acknowledged, compacted on start).
 * @module
 */
import type { KubeObject, WatchEventType } from "../runtime/mod.ts";
import { deepCopy } from "../runtime/mod.ts";

/** One stored change. */
export interface StoreEvent {
  /** The resourceVersion of this change. */
  rv: number;
  /** Registry key of the type (`group/plural`). */
  type: string;
  /** ADDED, MODIFIED or DELETED. */
  kind: Exclude<WatchEventType, "BOOKMARK" | "ERROR">;
  /** The object in its storage version. */
  object: KubeObject;
  /** The object before the change (absent on ADDED). */
  old?: KubeObject;
}

/** A listener on changes. */
export type StoreListener = (e: StoreEvent) => void;

/** Object storage. */
export class Store {
  #data = new Map<string, Map<string, KubeObject>>();
  /** Keys of stored objects by type and owner uid (any owner reference). */
  #owners = new Map<string, Map<string, Set<string>>>();
  #rv = 0;
  #log: StoreEvent[] = [];
  #compacted = 0;
  #window: number;
  #listeners = new Set<StoreListener>();
  #file?: Deno.FsFile;
  #path?: string;
  #chain: Promise<void> = Promise.resolve();

  /** Creates a store that retains at least the last `window` events for watches. */
  constructor(window = 10000) {
    this.#window = window;
  }

  /** Opens the data directory, replays the log and compacts it. */
  async open(dataDir: string): Promise<void> {
    await Deno.mkdir(dataDir, { recursive: true });
    this.#path = `${dataDir}/store.log`;
    let text = "";
    try {
      text = await Deno.readTextFile(this.#path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      let rec: { rv: number; type: string; key: string; obj?: KubeObject };
      try {
        rec = JSON.parse(line);
      } catch {
        break; // a torn final line from a crash: never acknowledged
      }
      const m = this.#bucket(rec.type);
      const old = m.get(rec.key);
      if (old) this.#indexOwners(rec.type, rec.key, old, false);
      if (rec.obj) m.set(rec.key, rec.obj), this.#indexOwners(rec.type, rec.key, rec.obj, true);
      else m.delete(rec.key);
      this.#rv = Math.max(this.#rv, rec.rv);
    }
    this.#compacted = this.#rv;
    const tmp = `${this.#path}.tmp`;
    const f = await Deno.open(tmp, { write: true, create: true, truncate: true });
    const enc = new TextEncoder();
    const lines: string[] = [];
    for (const [type, m] of this.#data) {
      for (const [key, obj] of m) lines.push(JSON.stringify({ rv: this.#rv, type, key, obj }));
    }
    await f.write(enc.encode(lines.map((l) => l + "\n").join("")));
    await f.syncData();
    f.close();
    await Deno.rename(tmp, this.#path);
    this.#file = await Deno.open(this.#path, { append: true, create: true });
    // make the rename (and the log's directory entry) durable too
    try {
      const dir = await Deno.open(dataDir, { read: true });
      try {
        await dir.sync();
      } finally {
        dir.close();
      }
    } catch { /* platforms without directory fsync */ }
  }

  /** Closes the log file. */
  async close(): Promise<void> {
    await this.#chain;
    this.#file?.close();
    this.#file = undefined;
  }

  #bucket(type: string): Map<string, KubeObject> {
    let m = this.#data.get(type);
    if (!m) this.#data.set(type, m = new Map());
    return m;
  }

  /** The current resourceVersion. */
  get rv(): number {
    return this.#rv;
  }

  /** The oldest resourceVersion a watch may resume from. */
  get oldest(): number {
    return this.#compacted;
  }

  /** Returns the stored object (not a copy; callers must not mutate). */
  get(type: string, key: string): KubeObject | undefined {
    return this.#data.get(type)?.get(key);
  }

  /** All objects of a type, sorted by key, optionally in one namespace. */
  list(type: string, namespace?: string): KubeObject[] {
    const m = this.#data.get(type);
    if (!m) return [];
    const keys = [...m.keys()].sort();
    const out: KubeObject[] = [];
    for (const k of keys) {
      const o = m.get(k)!;
      if (namespace !== undefined && o.metadata.namespace !== namespace) continue;
      out.push(o);
    }
    return out;
  }

  /** Objects of a type with an owner reference to `uid`, sorted by key. */
  owned(type: string, uid: string): KubeObject[] {
    const keys = this.#owners.get(type)?.get(uid);
    if (!keys) return [];
    const m = this.#data.get(type)!;
    return [...keys].sort().map((k) => m.get(k)!);
  }

  #indexOwners(type: string, key: string, obj: KubeObject, add: boolean): void {
    const refs = obj.metadata.ownerReferences;
    if (!refs?.length) return;
    let byUid = this.#owners.get(type);
    if (!byUid) this.#owners.set(type, byUid = new Map());
    for (const r of refs) {
      let keys = byUid.get(r.uid);
      if (add) {
        if (!keys) byUid.set(r.uid, keys = new Set());
        keys.add(key);
      } else if (keys) {
        keys.delete(key);
        if (keys.size === 0) byUid.delete(r.uid);
      }
    }
  }

  /** All type keys with stored objects. */
  types(): string[] {
    return [...this.#data.keys()];
  }

  /** Allocates the next resourceVersion (used for dry runs and bookmarks too). */
  nextRv(): number {
    return ++this.#rv;
  }

  /**
   * Stores (or with `obj` undefined, removes) an object; assigns its
   * resourceVersion, records the event, persists durably, then notifies.
   */
  async put(
    type: string,
    key: string,
    kind: StoreEvent["kind"],
    obj: KubeObject,
  ): Promise<KubeObject> {
    const rv = ++this.#rv;
    const stored = deepCopy(obj);
    stored.metadata.resourceVersion = String(rv);
    const m = this.#bucket(type);
    const old = m.get(key);
    if (old) this.#indexOwners(type, key, old, false);
    if (kind === "DELETED") m.delete(key);
    else m.set(key, stored), this.#indexOwners(type, key, stored, true);
    const ev: StoreEvent = { rv, type, kind, object: stored, old };
    this.#log.push(ev);
    // trim in batches: shifting the whole window on every write made each write O(window)
    if (this.#log.length > this.#window + Math.max(1, this.#window >> 3)) {
      const drop = this.#log.length - this.#window;
      this.#compacted = this.#log[drop - 1].rv;
      this.#log.splice(0, drop);
    }
    if (this.#file) {
      const line = JSON.stringify({ rv, type, key, obj: kind === "DELETED" ? undefined : stored }) +
        "\n";
      const file = this.#file;
      const p = this.#chain.then(async () => {
        const data = new TextEncoder().encode(line);
        let off = 0;
        while (off < data.length) off += await file.write(data.subarray(off));
        await file.syncData();
      });
      this.#chain = p.catch(() => {});
      await p;
    }
    for (const l of this.#listeners) {
      try {
        l(ev);
      } catch { /* a listener error never fails a write */ }
    }
    return stored;
  }

  /** Events after `rv` (throws `"expired"` when they are no longer retained). */
  since(rv: number): StoreEvent[] | "expired" {
    if (rv < this.#compacted) return "expired";
    let lo = 0;
    let hi = this.#log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#log[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.#log.slice(lo);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe(l: StoreListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
}
