/**
 * An in-memory {@link KubeClient} for tests: resourceVersions, uids,
 * generation bumps on spec change, a `/status` subresource, conflicts on stale
 * versions, finalizer-aware deletes with owner cascade, merge/JSON patches,
 * paginated lists, watches (resume, bookmarks, 410 Gone, silence), failure
 * reactors and an action recorder.
 * @module
 */
import type {
  DeleteOptions,
  KubeClient,
  ListOptions,
  PatchOptions,
  PatchType,
  ResourceRef,
  WatchOptions,
  WatchStream,
  WriteOptions,
} from "./client_api.ts";
import { alreadyExists, conflict, failureStatus, gone, invalid, notFound } from "./errors.ts";
import { applyJsonPatch, applyMergePatch, jsonEqual, type JsonPatchOp } from "./patch.ts";
import { matchFields, matchLabels } from "./selectors.ts";
import type { KubeList, KubeObject, WatchEvent, WatchEventType } from "./types.ts";
import { objectKey } from "./types.ts";

/** Verbs the fake records and reactors match on. */
export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete";

/** One recorded client call (the request, as sent). */
export interface Action {
  /** The verb. */
  verb: Verb;
  /** Lower-case plural resource name, e.g. `revisions`. */
  resource: string;
  /** `status` for status writes. */
  subresource?: string;
  /** apiVersion of the target. */
  apiVersion: string;
  /** Kind of the target. */
  kind: string;
  /** Namespace, if any. */
  namespace?: string;
  /** Name, if any. */
  name?: string;
  /** Request body for create/update (deep copy). */
  object?: KubeObject;
  /** Patch type for patch. */
  patchType?: PatchType;
  /** Patch body for patch. */
  patch?: unknown;
}

/**
 * What a reactor returns to handle a call; `undefined` passes it on.
 * `{ hang: true }` makes the call never settle (a hung API request).
 */
export type ReactorResult =
  | { error: Error }
  | { object: KubeObject }
  | { hang: true }
  | undefined;

/** A reactor: inspects an action and may answer or fail it. */
export type Reactor = (action: Action) => ReactorResult;

/** Names the resource of a kind the way the API does (`Revision` → `revisions`). */
export function pluralize(kind: string): string {
  const k = kind.toLowerCase();
  if (k === "endpoints") return k;
  if (/(s|x|ch|sh)$/.test(k)) return k + "es";
  if (/[^aeiou]y$/.test(k)) return k.slice(0, -1) + "ies";
  return k + "s";
}

function actionResource(a: Action): string {
  return a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
}

function matches(verb: string, resource: string, a: Action): boolean {
  if (verb !== "*" && verb !== a.verb) return false;
  if (resource === "*") return true;
  return resource === actionResource(a) || (!a.subresource && resource === a.kind) ||
    (a.subresource !== undefined && resource === `${a.kind}/${a.subresource}`);
}

class FakeWatch implements AsyncIterableIterator<WatchEvent> {
  readonly ref: ResourceRef;
  readonly opts: WatchOptions;
  #buf: WatchEvent[] = [];
  #waiter?: (r: IteratorResult<WatchEvent>) => void;
  #ended = false;
  silent = false;
  readonly #onClose: (w: FakeWatch) => void;
  readonly #abort = () => this.end();

  constructor(ref: ResourceRef, opts: WatchOptions, onClose: (w: FakeWatch) => void) {
    this.ref = ref;
    this.opts = opts;
    this.#onClose = onClose;
    opts.signal?.addEventListener("abort", this.#abort);
    if (opts.signal?.aborted) this.end();
  }
  get ended(): boolean {
    return this.#ended;
  }
  push(ev: WatchEvent): void {
    if (this.#ended || this.silent) return;
    const copy = structuredClone(ev);
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w({ value: copy, done: false });
    } else this.#buf.push(copy);
  }
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.opts.signal?.removeEventListener("abort", this.#abort);
    this.#onClose(this);
    if (this.#waiter && this.#buf.length === 0) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w({ value: undefined, done: true });
    }
  }
  next(): Promise<IteratorResult<WatchEvent>> {
    const ev = this.#buf.shift();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((r) => (this.#waiter = r));
  }
  return(): Promise<IteratorResult<WatchEvent>> {
    this.#buf = [];
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<WatchEvent> {
    return this;
  }
}

interface LogEntry {
  rv: number;
  type: WatchEventType;
  object: KubeObject;
}

/** Options for {@link FakeClient}. */
export interface FakeClientOptions {
  /** Clock for creation/deletion timestamps. */
  now?: () => Date;
}

const typeKey = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

/** The in-memory client. */
export class FakeClient implements KubeClient {
  /** Every call, in order (including failed ones). */
  readonly actions: Action[] = [];
  #objects = new Map<string, Map<string, KubeObject>>();
  #log: LogEntry[] = [];
  #rv = 0;
  #floor = 0;
  #uid = 0;
  #reactors: { verb: string; resource: string; fn: Reactor }[] = [];
  #watches = new Set<FakeWatch>();
  #watchesOpened = 0;
  readonly #now: () => Date;

  /** Creates a fake, optionally seeded. */
  constructor(objects: KubeObject[] = [], opts: FakeClientOptions = {}) {
    this.#now = opts.now ?? (() => new Date());
    this.seed(...objects);
  }

  // ---- recorder views ----
  /** Recorded create actions. */
  get creates(): Action[] {
    return this.actions.filter((a) => a.verb === "create");
  }
  /** Recorded update actions (not status). */
  get updates(): Action[] {
    return this.actions.filter((a) => a.verb === "update" && !a.subresource);
  }
  /** Recorded status updates. */
  get statusUpdates(): Action[] {
    return this.actions.filter((a) => a.verb === "update" && a.subresource === "status");
  }
  /** Recorded patches. */
  get patches(): Action[] {
    return this.actions.filter((a) => a.verb === "patch");
  }
  /** Recorded deletes. */
  get deletes(): Action[] {
    return this.actions.filter((a) => a.verb === "delete");
  }
  /** Forgets recorded actions. */
  clearActions(): void {
    this.actions.length = 0;
  }

  // ---- reactors ----
  /** Adds a reactor that sees calls before the store; returns a remover. */
  prependReactor(verb: Verb | "*", resource: string, fn: Reactor): () => void {
    const r = { verb, resource, fn };
    this.#reactors.unshift(r);
    return () => {
      this.#reactors = this.#reactors.filter((x) => x !== r);
    };
  }
  /** Fails the next matching call once with `error`. `resource` is e.g. `revisions/status`. */
  failOnce(verb: Verb | "*", resource: string, error: Error): void {
    let used = false;
    const remove = this.prependReactor(verb, resource, () => {
      if (used) return undefined;
      used = true;
      remove();
      return { error };
    });
  }
  /** Fails every matching call with `error` until the returned function is called. */
  induceFailure(verb: Verb | "*", resource: string, error?: Error): () => void {
    return this.prependReactor(verb, resource, (a) => ({
      error: error ??
        new Error(`inducing failure for ${a.verb} ${actionResource(a)}`),
    }));
  }

  /**
   * Makes every matching call hang (its promise never settles, as a request
   * to an unresponsive API server) until the returned function is called;
   * calls already hanging stay hung.
   */
  hang(verb: Verb | "*", resource: string): () => void {
    return this.prependReactor(verb, resource, () => ({ hang: true }));
  }

  // ---- seeding and inspection ----
  /** Stores objects directly (no action recorded), assigning uid/resourceVersion/generation. */
  seed(...objects: KubeObject[]): void {
    for (const o of objects) {
      const obj = structuredClone(o);
      const m = obj.metadata;
      m.uid ??= this.#nextUid();
      m.generation ??= 1;
      m.creationTimestamp ??= this.#now().toISOString().replace(/\.\d{3}Z$/, "Z");
      this.#store(obj, "ADDED");
    }
  }
  /** The stored object or undefined (a copy; no action recorded). */
  peek<T extends KubeObject = KubeObject>(ref: ResourceRef): T | undefined {
    const o = this.#bucket(ref).get(this.#key(ref));
    return o ? structuredClone(o) as T : undefined;
  }
  /** Every stored object of a type (copies). */
  all(apiVersion: string, kind: string): KubeObject[] {
    return [...this.#bucket({ apiVersion, kind }).values()].map((o) => structuredClone(o));
  }
  /** The current resourceVersion counter. */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  // ---- scripted watch behaviour ----
  /** Open watch count. */
  get openWatches(): number {
    return this.#watches.size;
  }
  /** Total watches opened so far. */
  get watchesOpened(): number {
    return this.#watchesOpened;
  }
  /** Forgets history: watches or continue tokens older than now get 410 Gone. */
  compact(): void {
    this.#floor = this.#rv;
    this.#log = [];
  }
  /** Compacts, then sends ERROR 410 on every open watch and closes it. */
  expireWatches(message = "too old resource version"): void {
    this.compact();
    for (const w of [...this.#watches]) {
      w.push({ type: "ERROR", object: failureStatus(410, "Expired", message) as KubeObject });
      w.end();
    }
  }
  /** Every open watch stops delivering events but stays open (a dead connection). */
  silenceWatches(): void {
    for (const w of this.#watches) w.silent = true;
  }
  /** Ends every open watch normally (as a server timeout does). */
  closeWatches(): void {
    for (const w of [...this.#watches]) w.end();
  }
  /** Sends a BOOKMARK at the current version to watches that asked for bookmarks. */
  bookmark(): void {
    for (const w of this.#watches) {
      if (!w.opts.allowWatchBookmarks) continue;
      w.push({
        type: "BOOKMARK",
        object: {
          apiVersion: w.ref.apiVersion,
          kind: w.ref.kind,
          metadata: { resourceVersion: String(this.#rv) },
        },
      });
    }
  }

  // ---- KubeClient ----
  /** Reads one object. */
  get<T extends KubeObject = KubeObject>(ref: ResourceRef): Promise<T> {
    return this.#run({ verb: "get", ...this.#ident(ref) }, () => {
      const o = this.#bucket(ref).get(this.#key(ref));
      if (!o) throw notFound(pluralize(ref.kind), ref.name ?? "");
      return structuredClone(o) as T;
    });
  }

  /** Lists with selectors and pagination. */
  list<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: ListOptions = {},
  ): Promise<KubeList<T>> {
    return this.#run({ verb: "list", ...this.#ident(ref) }, () => {
      let start = "";
      if (opts.continue) {
        const tok = JSON.parse(atob(opts.continue)) as { rv: number; start: string };
        if (tok.rv < this.#floor) {
          throw gone(
            "The provided continue parameter is too old to display a consistent list result.",
          );
        }
        start = tok.start;
      }
      const all = [...this.#bucket(ref).values()]
        .filter((o) => !ref.namespace || o.metadata.namespace === ref.namespace)
        .filter((o) => matchLabels(opts.labelSelector, o.metadata.labels))
        .filter((o) => matchFields(opts.fieldSelector, o))
        .sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1))
        .filter((o) => objectKey(o) > start);
      const limit = opts.limit && opts.limit > 0 ? opts.limit : all.length;
      const page = all.slice(0, limit);
      const list: KubeList<T> = {
        apiVersion: ref.apiVersion,
        kind: `${ref.kind}List`,
        metadata: { resourceVersion: String(this.#rv) },
        items: page.map((o) => structuredClone(o) as T),
      };
      if (all.length > limit) {
        list.metadata.continue = btoa(
          JSON.stringify({ rv: this.#rv, start: objectKey(page[page.length - 1]) }),
        );
        list.metadata.remainingItemCount = all.length - limit;
      }
      return list;
    });
  }

  /** Opens a watch; replays history after `resourceVersion` or sends ADDED for all when absent. */
  watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: WatchOptions = {},
  ): Promise<WatchStream<T>> {
    return this.#run({ verb: "watch", ...this.#ident(ref) }, () => {
      const w = new FakeWatch(ref, opts, (x) => this.#watches.delete(x));
      this.#watchesOpened++;
      const rv = opts.resourceVersion;
      if (rv && rv !== "0" && Number(rv) < this.#floor) {
        w.push({
          type: "ERROR",
          object: failureStatus(410, "Expired", `too old resource version: ${rv}`) as KubeObject,
        });
        w.end();
        return w as unknown as WatchStream<T>;
      }
      if (!w.ended) this.#watches.add(w);
      if (!rv || rv === "0") {
        for (const o of this.#bucket(ref).values()) {
          if (this.#watchMatches(w, o)) w.push({ type: "ADDED", object: o });
        }
      } else {
        for (const e of this.#log) {
          if (e.rv > Number(rv) && this.#watchMatches(w, e.object)) {
            w.push({ type: e.type, object: e.object });
          }
        }
      }
      return w as unknown as WatchStream<T>;
    });
  }

  /** Creates an object. */
  create<T extends KubeObject = KubeObject>(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#run({ verb: "create", ...this.#ident(obj), object: structuredClone(obj) }, () => {
      const o = structuredClone(obj) as KubeObject;
      const m = o.metadata;
      if (!m.name && m.generateName) {
        m.name = m.generateName + Math.random().toString(36).slice(2, 7);
      }
      if (!m.name) {
        throw invalid(o.kind, "", [{
          field: "metadata.name",
          reason: "FieldValueRequired",
          message: "name or generateName is required",
        }]);
      }
      if (this.#bucket(o).has(objectKey(o))) throw alreadyExists(pluralize(o.kind), m.name);
      if (opts.dryRun) return o as T;
      m.uid = this.#nextUid();
      m.generation = 1;
      m.creationTimestamp = this.#now().toISOString().replace(/\.\d{3}Z$/, "Z");
      delete m.deletionTimestamp;
      return structuredClone(this.#store(o, "ADDED")) as T;
    });
  }

  /** Replaces an object; status changes are ignored (use updateStatus). */
  update<T extends KubeObject = KubeObject>(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#run({ verb: "update", ...this.#ident(obj), object: structuredClone(obj) }, () => {
      const cur = this.#current(obj);
      const o = structuredClone(obj) as KubeObject;
      if ("status" in cur) o.status = structuredClone(cur.status);
      else delete o.status;
      return this.#replace(cur, o, opts) as T;
    });
  }

  /** Replaces only the status. */
  updateStatus<T extends KubeObject = KubeObject>(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#run(
      { verb: "update", subresource: "status", ...this.#ident(obj), object: structuredClone(obj) },
      () => {
        const cur = this.#current(obj);
        const o = structuredClone(cur);
        o.status = structuredClone(obj.status);
        o.metadata.resourceVersion = obj.metadata.resourceVersion;
        return this.#replace(cur, o, opts) as T;
      },
    );
  }

  /** Patches (merge, json, strategic ≈ merge, apply ≈ merge with force). */
  patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    type: PatchType,
    body: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    return this.#run(
      {
        verb: "patch",
        ...this.#ident(ref),
        subresource: opts.subresource,
        patchType: type,
        patch: structuredClone(body),
      },
      () => {
        let cur = this.#bucket(ref).get(this.#key(ref));
        if (!cur) {
          if (type !== "apply") throw notFound(pluralize(ref.kind), ref.name ?? "");
          const created = structuredClone(body) as KubeObject;
          created.metadata.uid = this.#nextUid();
          created.metadata.generation = 1;
          created.metadata.creationTimestamp = this.#now().toISOString().replace(/\.\d{3}Z$/, "Z");
          return opts.dryRun ? created as T : structuredClone(this.#store(created, "ADDED")) as T;
        }
        cur = structuredClone(cur);
        let next =
          (type === "json"
            ? applyJsonPatch(cur, body as JsonPatchOp[])
            : applyMergePatch(cur, body)) as KubeObject;
        if (opts.subresource === "status") {
          const s = next.status;
          next = structuredClone(cur);
          next.status = s;
        } else if ("status" in cur) next.status = cur.status;
        else delete next.status;
        const want = type === "json" ? undefined : (body as KubeObject)?.metadata?.resourceVersion;
        next.metadata.resourceVersion = want ?? cur.metadata.resourceVersion;
        return this.#replace(cur, next, opts) as T;
      },
    );
  }

  /** Deletes; with finalizers only sets deletionTimestamp. Owned objects are deleted too. */
  delete(ref: ResourceRef, opts: DeleteOptions = {}): Promise<KubeObject | undefined> {
    return this.#run({ verb: "delete", ...this.#ident(ref) }, () => {
      const cur = this.#bucket(ref).get(this.#key(ref));
      if (!cur) throw notFound(pluralize(ref.kind), ref.name ?? "");
      if (opts.preconditionUid && opts.preconditionUid !== cur.metadata.uid) {
        throw conflict(pluralize(ref.kind), ref.name);
      }
      if (opts.dryRun) return structuredClone(cur);
      return this.#deleteObject(cur);
    });
  }

  // ---- internals ----
  #deleteObject(cur: KubeObject): KubeObject | undefined {
    if (cur.metadata.finalizers?.length) {
      if (cur.metadata.deletionTimestamp) return structuredClone(cur);
      const o = structuredClone(cur);
      o.metadata.deletionTimestamp = this.#now().toISOString().replace(/\.\d{3}Z$/, "Z");
      o.metadata.generation = (o.metadata.generation ?? 0) + 1;
      return structuredClone(this.#store(o, "MODIFIED"));
    }
    this.#remove(cur);
    return undefined;
  }

  #remove(cur: KubeObject): KubeObject {
    this.#bucket(cur).delete(objectKey(cur));
    const gone = structuredClone(cur);
    gone.metadata.resourceVersion = String(++this.#rv);
    this.#emit("DELETED", gone);
    const uid = cur.metadata.uid;
    for (const bucket of this.#objects.values()) {
      for (const o of [...bucket.values()]) {
        if (o.metadata.ownerReferences?.some((r) => r.uid === uid)) this.#deleteObject(o);
      }
    }
    return structuredClone(gone);
  }

  #replace(cur: KubeObject, next: KubeObject, opts: WriteOptions): KubeObject {
    const want = next.metadata.resourceVersion;
    if (want && want !== cur.metadata.resourceVersion) {
      throw conflict(pluralize(cur.kind), cur.metadata.name);
    }
    if (next.metadata.uid && next.metadata.uid !== cur.metadata.uid) {
      throw conflict(pluralize(cur.kind), cur.metadata.name);
    }
    // Immutable and server-owned metadata.
    next.metadata.uid = cur.metadata.uid;
    next.metadata.creationTimestamp = cur.metadata.creationTimestamp;
    next.metadata.generation = cur.metadata.generation;
    if (cur.metadata.deletionTimestamp) {
      next.metadata.deletionTimestamp = cur.metadata.deletionTimestamp;
    } else delete next.metadata.deletionTimestamp;
    const spec = (o: KubeObject) => {
      const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
      return rest;
    };
    if (!jsonEqual(spec(cur), spec(next))) {
      next.metadata.generation = (cur.metadata.generation ?? 0) + 1;
    }
    next.metadata.resourceVersion = cur.metadata.resourceVersion;
    if (jsonEqual(cur, next)) return structuredClone(cur);
    if (opts.dryRun) return next;
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      return this.#remove(next);
    }
    return structuredClone(this.#store(next, "MODIFIED"));
  }

  #current(obj: KubeObject): KubeObject {
    const cur = this.#bucket(obj).get(objectKey(obj));
    if (!cur) throw notFound(pluralize(obj.kind), obj.metadata.name ?? "");
    return cur;
  }

  #store(o: KubeObject, type: WatchEventType): KubeObject {
    o.metadata.resourceVersion = String(++this.#rv);
    this.#bucket(o).set(objectKey(o), o);
    this.#emit(type, o);
    return o;
  }

  #emit(type: WatchEventType, o: KubeObject): void {
    const entry = { rv: this.#rv, type, object: structuredClone(o) };
    this.#log.push(entry);
    for (const w of this.#watches) {
      if (this.#watchMatches(w, o)) w.push({ type, object: entry.object });
    }
  }

  #watchMatches(w: FakeWatch, o: KubeObject): boolean {
    return o.apiVersion === w.ref.apiVersion && o.kind === w.ref.kind &&
      (!w.ref.namespace || o.metadata.namespace === w.ref.namespace) &&
      (!w.ref.name || o.metadata.name === w.ref.name) &&
      matchLabels(w.opts.labelSelector, o.metadata.labels) &&
      matchFields(w.opts.fieldSelector, o);
  }

  #bucket(ref: { apiVersion: string; kind: string }): Map<string, KubeObject> {
    const k = typeKey(ref.apiVersion, ref.kind);
    let b = this.#objects.get(k);
    if (!b) this.#objects.set(k, b = new Map());
    return b;
  }

  #key(ref: ResourceRef): string {
    return ref.namespace ? `${ref.namespace}/${ref.name}` : `${ref.name}`;
  }

  #ident(x: ResourceRef | KubeObject): Omit<Action, "verb"> {
    const r = "metadata" in x && typeof x.metadata === "object"
      ? {
        apiVersion: x.apiVersion,
        kind: x.kind,
        namespace: (x as KubeObject).metadata.namespace,
        name: (x as KubeObject).metadata.name,
      }
      : x as ResourceRef;
    const a: Omit<Action, "verb"> = {
      resource: pluralize(r.kind),
      apiVersion: r.apiVersion,
      kind: r.kind,
    };
    if (r.namespace) a.namespace = r.namespace;
    if (r.name) a.name = r.name;
    return a;
  }

  #nextUid(): string {
    const n = (++this.#uid).toString(16).padStart(12, "0");
    return `00000000-0000-4000-8000-${n}`;
  }

  #run<R>(action: Action, fn: () => R): Promise<R> {
    if (action.subresource === undefined) delete action.subresource;
    this.actions.push(action);
    for (const r of this.#reactors) {
      if (!matches(r.verb, r.resource, action)) continue;
      const res = r.fn(action);
      if (!res) continue;
      if ("error" in res) return Promise.reject(res.error);
      if ("hang" in res) return new Promise<R>(() => {});
      return Promise.resolve(structuredClone(res.object) as R);
    }
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
