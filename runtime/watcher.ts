/**
 * The informer loop: paginated list, then watch from the list's
 * resourceVersion with bookmarks; resume from the last seen version on a
 * normal end; on 410 Gone relist and replace the cache whole (emitting the
 * right add/update/delete); reopen a silent stream after an idle timeout;
 * capped, jittered backoff on errors; 401/403 logged loudly; a periodic
 * full relist (jittered) as a safety net against silently missed events.
 * @module
 */
import { Backoff, idleTimer, sleep } from "./backoff.ts";
import type { KubeClient, ResourceRef } from "./client_api.ts";
import {
  errorFromStatus,
  GoneError,
  isForbidden,
  isGone,
  isNotFound,
  isUnauthorized,
} from "./errors.ts";
import { nullLogger } from "./logging.ts";
import type { RuntimeMetrics } from "./metrics.ts";
import type { Logger } from "./plugin.ts";
import type { Store } from "./store.ts";
import type { GroupVersionKind, KubeObject, StatusObject, WatchEvent } from "./types.ts";
import { objectKey } from "./types.ts";

/** Receives cache changes after the store has been updated. */
export interface WatchHandler<T extends KubeObject = KubeObject> {
  /** A new object. */
  onAdd?(obj: T): void;
  /** A changed object. */
  onUpdate?(old: T, obj: T): void;
  /** A removed object (its last known state). */
  onDelete?(obj: T): void;
  /** A list was applied (first sync and every relist). */
  onSync?(): void;
}

/**
 * Default interval of the periodic safety-net relist: 10 minutes (Pepr's
 * `relistIntervalSec` default of 600 s), jittered by up to 10 %.
 */
export const DEFAULT_RELIST_INTERVAL_MS = 600_000;

/** Options for {@link Watcher}. */
export interface WatcherOptions<T extends KubeObject = KubeObject> {
  /** Client to list and watch with. */
  client: KubeClient;
  /** Watched type. */
  gvk: GroupVersionKind;
  /** Only this namespace. */
  namespace?: string;
  /** Label selector. */
  labelSelector?: string;
  /** Field selector. */
  fieldSelector?: string;
  /** Cache to fill. */
  store: Store<T>;
  /** Change handlers (several may be added later with `addHandler`). */
  handler?: WatchHandler<T>;
  /** Logger. */
  logger?: Logger;
  /** Metrics. */
  metrics?: RuntimeMetrics;
  /** List page size (default 500). */
  pageSize?: number;
  /** Server-side watch timeout in seconds (default 290). */
  timeoutSeconds?: number;
  /** No event for this long means a dead stream (default timeoutSeconds + 5 s). */
  idleTimeoutMs?: number;
  /** Backoff for errors and reopen (default 0.8 s → 30 s ×2, jittered). */
  backoff?: Backoff;
  /** Transforms objects before caching (default: drops managedFields). */
  transform?: (obj: T) => T;
  /**
   * Relist everything this long after the last list, even if the watch looks
   * healthy (default {@link DEFAULT_RELIST_INTERVAL_MS}; 0 disables). The
   * open watch is closed, the list replaces the cache whole (emitting
   * add/update/delete for what changed, exactly as after a 410), and the watch
   * resumes from the new list's resourceVersion.
   */
  relistIntervalMs?: number;
  /** Fraction of `relistIntervalMs` added at random on top, 0..1 (default 0.1). */
  relistJitter?: number;
  /** Random source in [0,1) for the relist jitter (tests replace it). */
  random?: () => number;
}

/** Runs list+watch into a store. */
export class Watcher<T extends KubeObject = KubeObject> {
  readonly #o: WatcherOptions<T>;
  readonly #ref: ResourceRef;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #stop = new AbortController();
  #handlers: WatchHandler<T>[] = [];
  #rv?: string;
  #running?: Promise<void>;
  #restarts = 0;
  #events = 0;
  #relists = 0;
  #nextRelistAt = Infinity;

  /** Creates a watcher (call `start`). */
  constructor(opts: WatcherOptions<T>) {
    this.#o = opts;
    this.#ref = { apiVersion: opts.gvk.apiVersion, kind: opts.gvk.kind, namespace: opts.namespace };
    this.#log = (opts.logger ?? nullLogger).with({
      watch: `${opts.gvk.apiVersion}/${opts.gvk.kind}`,
    });
    this.#backoff = opts.backoff ?? new Backoff();
    if (opts.handler) this.#handlers.push(opts.handler);
  }

  /** The store being filled. */
  get store(): Store<T> {
    return this.#o.store;
  }
  /** Last resourceVersion seen (undefined before the first list or after a 410). */
  get resourceVersion(): string | undefined {
    return this.#rv;
  }
  /** Times the watch was reopened for any reason other than a normal end. */
  get restarts(): number {
    return this.#restarts;
  }
  /** Periodic safety-net relists done (not counted in `restarts`). */
  get relists(): number {
    return this.#relists;
  }
  /** When the next periodic relist is due (epoch ms; Infinity when disabled). */
  get nextRelistAt(): number {
    return this.#nextRelistAt;
  }
  /** Watch events handled. */
  get events(): number {
    return this.#events;
  }

  /** Adds a change handler. */
  addHandler(h: WatchHandler<T>): void {
    this.#handlers.push(h);
  }

  /** Starts the loop (idempotent). */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Stops the loop and waits for it to end. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  #emit<K extends keyof WatchHandler<T>>(
    k: K,
    ...args: Parameters<NonNullable<WatchHandler<T>[K]>>
  ) {
    for (const h of this.#handlers) {
      try {
        (h[k] as ((...a: unknown[]) => void) | undefined)?.(...args);
      } catch (e) {
        this.#log.error("watch handler failed", { error: e });
      }
    }
  }

  #restart(reason: string): void {
    this.#restarts++;
    this.#o.metrics?.watchRestarts.inc({ resource: this.#ref.kind, reason });
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      try {
        if (this.#rv === undefined) await this.#relist();
        else if (Date.now() >= this.#nextRelistAt) {
          this.#relists++;
          this.#o.metrics?.watchRestarts.inc({ resource: this.#ref.kind, reason: "relist" });
          this.#log.debug("periodic relist", { resourceVersion: this.#rv });
          await this.#relist();
        }
        if (stop.aborted) break;
        const idle = await this.#watchOnce();
        if (idle && !stop.aborted) {
          this.#restart("idle");
          this.#log.debug("watch silent; reopening", { resourceVersion: this.#rv });
          await sleep(this.#backoff.next(), stop);
        }
      } catch (e) {
        if (stop.aborted) break;
        if (isGone(e)) {
          this.#restart("gone");
          this.#log.debug("resourceVersion expired; relisting", { resourceVersion: this.#rv });
          this.#rv = undefined;
          continue;
        }
        this.#restart("error");
        if (isNotFound(e) && this.#rv === undefined && !this.#o.store.synced) {
          // The type is not served (its CRD is not installed, e.g. an ingress provider this
          // cluster does not run): count it as an empty, synced cache so the manager does not
          // wait for it forever, and keep retrying so it fills once the CRD appears.
          this.#log.warn("type not served by the API server; treating it as empty until it is", {
            error: e,
          });
          this.#o.store.markSynced();
          this.#emit("onSync");
        } else if (isForbidden(e) || isUnauthorized(e)) {
          this.#log.error("list/watch not permitted: check RBAC and credentials", { error: e });
        } else this.#log.debug("watch failed; backing off", { error: e });
        await sleep(this.#backoff.next(), stop);
      }
    }
  }

  #prepare(o: T): T {
    o.apiVersion ??= this.#o.gvk.apiVersion;
    o.kind ??= this.#o.gvk.kind;
    if (this.#o.transform) return this.#o.transform(o);
    delete o.metadata.managedFields;
    return o;
  }

  async #relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    const pageSize = this.#o.pageSize ?? 500;
    let limit: number | undefined = pageSize;
    do {
      try {
        const page = await this.#o.client.list<T>(this.#ref, {
          limit,
          continue: cont,
          labelSelector: this.#o.labelSelector,
          fieldSelector: this.#o.fieldSelector,
        });
        items.push(...page.items);
        cont = page.metadata.continue || undefined;
        rv = page.metadata.resourceVersion;
      } catch (e) {
        if (!(cont && isGone(e))) throw e;
        // The continue token expired: fall back to one full list.
        items.length = 0;
        cont = undefined;
        limit = undefined;
        continue;
      }
    } while (cont);
    const diff = this.#o.store.replace(items.map((o) => this.#prepare(o)));
    this.#rv = rv;
    this.#backoff.reset();
    const every = this.#o.relistIntervalMs ?? DEFAULT_RELIST_INTERVAL_MS;
    this.#nextRelistAt = every > 0
      ? Date.now() + every * (1 + (this.#o.relistJitter ?? 0.1) * (this.#o.random ?? Math.random)())
      : Infinity;
    for (const o of diff.added) this.#emit("onAdd", o);
    for (const [old, o] of diff.updated) this.#emit("onUpdate", old, o);
    for (const o of diff.deleted) this.#emit("onDelete", o);
    this.#o.store.markSynced();
    this.#emit("onSync");
  }

  /** Runs one watch; returns true when it was abandoned as idle. */
  async #watchOnce(): Promise<boolean> {
    const idle = new AbortController();
    const due = new AbortController();
    const signal = AbortSignal.any([this.#stop.signal, idle.signal, due.signal]);
    const relistTimer = Number.isFinite(this.#nextRelistAt)
      ? setTimeout(() => due.abort(), Math.max(0, this.#nextRelistAt - Date.now()))
      : undefined;
    const timeoutSeconds = this.#o.timeoutSeconds ?? 290;
    const idleMs = this.#o.idleTimeoutMs ?? (timeoutSeconds + 5) * 1000;
    const idleness = idleTimer(idleMs, () => idle.abort());
    try {
      const stream = await this.#o.client.watch<T>(this.#ref, {
        resourceVersion: this.#rv,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.#o.labelSelector,
        fieldSelector: this.#o.fieldSelector,
        signal,
      });
      for await (const ev of stream) {
        idleness.touch();
        this.#handle(ev);
        if (signal.aborted) break;
      }
    } catch (e) {
      if (!(idle.signal.aborted || due.signal.aborted) || this.#stop.signal.aborted) throw e;
    } finally {
      idleness.stop();
      clearTimeout(relistTimer);
    }
    return idle.signal.aborted && !due.signal.aborted;
  }

  #handle(ev: WatchEvent<T>): void {
    if (ev.type === "ERROR") {
      const err = errorFromStatus(ev.object as unknown as StatusObject);
      if (err.code === 410) throw new GoneError(err.status);
      throw err;
    }
    this.#events++;
    this.#o.metrics?.watchEvents.inc({ resource: this.#ref.kind });
    const rv = ev.object.metadata?.resourceVersion;
    if (ev.type === "BOOKMARK") {
      if (rv) this.#rv = rv;
      return;
    }
    const obj = this.#prepare(ev.object);
    if (ev.type === "DELETED") {
      const old = this.#o.store.remove(objectKey(obj));
      if (rv) this.#rv = rv;
      this.#emit("onDelete", obj ?? old);
      return;
    }
    const old = this.#o.store.upsert(obj);
    if (rv) this.#rv = rv;
    if (old) this.#emit("onUpdate", old, obj);
    else this.#emit("onAdd", obj);
  }
}
