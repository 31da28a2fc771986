/**
 * The controller loop and the reconciler shell (DESIGN.md "Controller
 * plugin"): workers over a keyed queue, owner and mapped enqueues, resync with
 * jitter, and around each reconcile: deep copy, conditions initialised,
 * NewObservedGenFailure, observedGeneration, diff-only conflict-retried status
 * writes, finalizers, events, requeueAfter and permanent vs transient errors.
 * @module
 */
import type { KubeClient } from "./client_api.ts";
import { type ConditionManager, ConditionSet, groomTransitionTimes } from "./conditions.ts";
import { isConflict, isNotFound, isPermanent, KubeError } from "./errors.ts";
import { nullLogger } from "./logging.ts";
import type { RuntimeMetrics } from "./metrics.ts";
import { jsonEqual } from "./patch.ts";
import type {
  ConfigSource,
  ControllerPlugin,
  EventRecorder,
  Logger,
  MappedWatch,
  ReconcileContext,
  Reconciler,
  StoreView,
} from "./plugin.ts";
import type { Store } from "./store.ts";
import type { DuckStatus, GroupVersionKind, KubeObject } from "./types.ts";
import { deepCopy, objectKey, splitApiVersion, splitKey } from "./types.ts";
import type { WatchHandler } from "./watcher.ts";
import { WorkQueue } from "./work_queue.ts";

/** Reason set on the happy condition when a new generation is being observed. */
export const NEW_OBSERVED_GEN_FAILURE = "NewObservedGenFailure";
/** Message paired with {@link NEW_OBSERVED_GEN_FAILURE}. */
export const NEW_OBSERVED_GEN_MESSAGE = "unsuccessfully observed a new generation";

/**
 * Default per-reconcile timeout: 2 minutes. controller-runtime makes its
 * `ReconciliationTimeout` opt-in and Knative bounds only its slowest phase
 * (30 s for a Revision's digest resolution); 2 minutes leaves room for such a
 * phase plus several conflict-retried API calls, while a truly hung reconcile
 * (a request that never answers) still ends up in per-key backoff instead of
 * pinning its key forever. `0` disables the timeout.
 */
export const DEFAULT_RECONCILE_TIMEOUT_MS = 120_000;

/** The transient error a reconcile that exceeded its timeout fails with. */
export class ReconcileTimeoutError extends Error {
  /** The key that timed out. */
  readonly key: string;
  /** The timeout that was exceeded, in ms. */
  readonly timeoutMs: number;
  /** Creates the error. */
  constructor(key: string, timeoutMs: number) {
    super(`reconcile of ${key} did not finish within ${timeoutMs} ms`);
    this.name = "ReconcileTimeoutError";
    this.key = key;
    this.timeoutMs = timeoutMs;
  }
}

/** What one pass of the shell decided. */
export type ShellOutcome =
  | { kind: "done" }
  | { kind: "skip" }
  | { kind: "requeueAfter"; ms: number }
  | { kind: "error"; error: unknown; permanent: boolean };

/** Options for {@link Controller}. */
export interface ControllerOptions<T extends KubeObject = KubeObject> {
  /** The plugin. */
  plugin: ControllerPlugin<T>;
  /** API client. */
  client: KubeClient;
  /** The primary cache. */
  store: Store<T>;
  /** All cache views by `apiVersion/Kind`. */
  stores: ReadonlyMap<string, StoreView>;
  /** Event recorder. */
  recorder: EventRecorder;
  /** Logger. */
  logger?: Logger;
  /** Config. */
  config: ConfigSource;
  /** Clock. */
  now?: () => Date;
  /** Metrics. */
  metrics?: RuntimeMetrics;
  /** Worker count (default 2). */
  workers?: number;
  /** Periodic resync in ms (0 or absent: none); jittered by up to 10 %. */
  resyncMs?: number;
  /** True when this replica may write (default: always). */
  isLeader?: () => boolean;
  /** Queue to use (default: a new one). */
  queue?: WorkQueue;
  /**
   * Per-reconcile timeout in ms (default {@link DEFAULT_RECONCILE_TIMEOUT_MS};
   * 0 disables). A reconcile that exceeds it is a transient failure (per-key
   * backoff), its `ReconcileContext.signal` aborts, and the shell writes
   * nothing more for that pass. Its key stays held (never handed to another
   * worker) until the abandoned promise settles.
   */
  reconcileTimeoutMs?: number;
}

/** True when `ref` names `gvk` (same group and kind; any version). */
function sameGroupKind(apiVersion: string, kind: string, gvk: GroupVersionKind): boolean {
  return kind === gvk.kind &&
    splitApiVersion(apiVersion).group === splitApiVersion(gvk.apiVersion).group;
}

/** Runs one plugin. */
export class Controller<T extends KubeObject = KubeObject> {
  /** The plugin. */
  readonly plugin: ControllerPlugin<T>;
  /** The queue. */
  readonly queue: WorkQueue;
  /** The plugin's reconciler. */
  readonly reconciler: Reconciler<T>;
  readonly #o: ControllerOptions<T>;
  readonly #set?: ConditionSet;
  readonly #log: Logger;
  #workers: Promise<void>[] = [];
  #resync?: ReturnType<typeof setTimeout>;
  #reconcileSeq = 0;
  #activity = 0;
  #abandoned = 0;

  /** Creates the controller and the plugin's reconciler. */
  constructor(opts: ControllerOptions<T>) {
    this.#o = opts;
    this.plugin = opts.plugin;
    this.queue = opts.queue ?? new WorkQueue({ name: opts.plugin.name, metrics: opts.metrics });
    if (opts.plugin.writesStatus === false && opts.plugin.conditions) {
      throw new Error(`plugin ${opts.plugin.name} declares conditions but writesStatus: false`);
    }
    this.#set = opts.plugin.conditions ? new ConditionSet(opts.plugin.conditions) : undefined;
    this.#log = (opts.logger ?? nullLogger).with({ controller: opts.plugin.name });
    this.reconciler = opts.plugin.create({
      client: opts.client,
      stores: opts.stores,
      recorder: opts.recorder,
      logger: this.#log,
      config: opts.config,
      now: this.#now,
    });
  }

  /** Counter bumped on every enqueue (used by `Manager.idle`). */
  get activity(): number {
    return this.#activity;
  }

  #now = (): Date => (this.#o.now ?? (() => new Date()))();

  /** Enqueues a key. */
  enqueue(key: string): void {
    this.#activity++;
    this.queue.add(key);
  }

  /** Enqueues every cached primary key. */
  enqueueAll(): void {
    for (const k of this.#o.store.keys()) this.enqueue(k);
  }

  /** Handler for the primary kind's watcher. */
  primaryHandler(): WatchHandler<T> {
    return {
      onAdd: (o) => this.enqueue(objectKey(o)),
      onUpdate: (_old, o) => this.enqueue(objectKey(o)),
      onDelete: (o) => this.enqueue(objectKey(o)),
    };
  }

  /** Handler for an owned kind: enqueues the controller owner if it is of the primary kind. */
  ownedHandler(): WatchHandler {
    const owner = (o: KubeObject) => {
      for (const r of o.metadata.ownerReferences ?? []) {
        if (r.controller && sameGroupKind(r.apiVersion, r.kind, this.plugin.resource)) {
          this.enqueue(o.metadata.namespace ? `${o.metadata.namespace}/${r.name}` : r.name);
        }
      }
    };
    return {
      onAdd: owner,
      onUpdate: (old, o) => {
        owner(o);
        if (!jsonEqual(old.metadata.ownerReferences, o.metadata.ownerReferences)) owner(old);
      },
      onDelete: owner,
    };
  }

  /** Handler for a mapped watch. */
  mappedHandler(w: MappedWatch): WatchHandler {
    const map = (o: KubeObject) => {
      try {
        for (const k of w.map(o)) this.enqueue(k);
      } catch (e) {
        this.#log.error("watch mapper failed", { error: e });
      }
    };
    return {
      onAdd: map,
      onUpdate: (old, o) => {
        map(o);
        map(old);
      },
      onDelete: map,
    };
  }

  /** Starts the workers and the resync timer (call after caches synced). */
  start(): void {
    const n = this.#o.workers ?? 2;
    for (let i = 0; i < n; i++) this.#workers.push(this.#worker());
    this.#scheduleResync();
  }

  /**
   * Stops intake and waits for in-flight reconciles, as controller-runtime
   * does: queued, delayed and rate-limited keys are dropped and no reconcile
   * starts after this is called. The wait is bounded by the reconcile
   * timeout: a pass that already timed out (see `abandoned`) has had its
   * signal aborted and is not waited for.
   */
  async stop(): Promise<void> {
    clearTimeout(this.#resync);
    this.#resync = undefined;
    this.queue.shutDown();
    await Promise.all(this.#workers);
  }

  #scheduleResync(): void {
    const ms = this.#o.resyncMs;
    if (!ms || this.queue.shuttingDown) return;
    this.#resync = setTimeout(() => {
      this.enqueueAll();
      this.#scheduleResync();
    }, ms * (1 + 0.1 * Math.random()));
  }

  async #worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      let hung: Promise<void> | undefined;
      try {
        const run = await this.#runKey(key);
        hung = run.hung;
        this.#handleOutcome(key, run.out);
      } finally {
        // A timed-out reconcile keeps its key until it settles, so the retry
        // (held by the queue meanwhile) never runs beside it.
        if (hung) hung.finally(() => this.queue.done(key));
        else this.queue.done(key);
      }
    }
  }

  #handleOutcome(key: string, out: ShellOutcome): void {
    switch (out.kind) {
      case "done":
      case "skip":
        this.queue.forget(key);
        return;
      case "requeueAfter":
        this.queue.forget(key);
        this.queue.addAfter(key, out.ms);
        return;
      case "error":
        if (out.permanent) this.queue.forget(key);
        else this.queue.addRateLimited(key);
    }
  }

  /**
   * Runs the shell once for a key: the reconcile or finalize, the status
   * write and events. Never throws; the outcome says what the queue should do.
   */
  async reconcileKey(key: string): Promise<ShellOutcome> {
    return (await this.#runKey(key)).out;
  }

  /** Keys whose timed-out reconcile has not settled yet. */
  get abandoned(): number {
    return this.#abandoned;
  }

  /**
   * Runs the shell under the reconcile timeout. `hung`, when set, settles
   * once the abandoned pass does; the key must stay held until then.
   */
  async #runKey(key: string): Promise<{ out: ShellOutcome; hung?: Promise<void> }> {
    const started = performance.now();
    const ac = new AbortController();
    const inner = this.#reconcileKey(key, { signal: ac.signal });
    const ms = this.#o.reconcileTimeoutMs ?? DEFAULT_RECONCILE_TIMEOUT_MS;
    let out: ShellOutcome;
    let hung: Promise<void> | undefined;
    if (!(ms > 0)) {
      out = await inner;
    } else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const t: { out?: ShellOutcome; error?: ReconcileTimeoutError } = {};
      const deadline = new Promise<ShellOutcome>((resolve) => {
        timer = setTimeout(() => {
          t.error = new ReconcileTimeoutError(key, ms);
          t.out = { kind: "error", error: t.error, permanent: false };
          ac.abort(t.error);
          resolve(t.out);
        }, ms);
      });
      out = await Promise.race([inner, deadline]);
      clearTimeout(timer);
      if (t.error && out === t.out) {
        this.#abandoned++;
        hung = inner.then(() => {}, () => {}).finally(() => this.#abandoned--);
        const log = this.#log.with({ key });
        log.error("reconcile timed out; retrying with backoff once it settles", {
          timeoutMs: ms,
        });
        const cached = this.#o.store.get(key) as T | undefined;
        if (cached && !this.queue.shuttingDown) {
          this.#o.recorder.event(cached, "Warning", "InternalError", errMessage(t.error));
        }
      }
    }
    const result = out.kind === "error" ? (out.permanent ? "permanent" : "error") : out.kind;
    const m = this.#o.metrics;
    m?.reconcileTotal.inc({ controller: this.plugin.name, result });
    if (out.kind === "error") {
      m?.reconcileErrors.inc({ controller: this.plugin.name, reason: errorReason(out.error) });
    }
    m?.reconcileDuration.observe(
      { controller: this.plugin.name },
      (performance.now() - started) / 1000,
    );
    return { out, hung };
  }

  async #reconcileKey(key: string, ctx: ReconcileContext): Promise<ShellOutcome> {
    const abandoned = (): ShellOutcome => ({
      kind: "error",
      error: ctx.signal.reason,
      permanent: false,
    });
    const cached = this.#o.store.get(key) as T | undefined;
    if (!cached) return { kind: "done" };
    if (this.plugin.filter && !this.plugin.filter(cached)) return { kind: "skip" };
    if (this.#o.isLeader && !this.#o.isLeader()) return { kind: "skip" };
    const log = this.#log.with({
      key,
      reconcileId: `${this.plugin.name}-${++this.#reconcileSeq}`,
      generation: cached.metadata.generation,
      resourceVersion: cached.metadata.resourceVersion,
    });
    let original = deepCopy(cached) as T;
    const fin = this.plugin.finalizer;
    try {
      if (original.metadata.deletionTimestamp) {
        if (!fin || !original.metadata.finalizers?.includes(fin)) return { kind: "done" };
        const obj = deepCopy(original);
        const res = this.reconciler.finalize ? await this.reconciler.finalize(obj, ctx) : undefined;
        if (ctx.signal.aborted) return abandoned();
        if (res?.requeueAfter !== undefined) return { kind: "requeueAfter", ms: res.requeueAfter };
        await this.#patchFinalizers(
          original,
          original.metadata.finalizers.filter((f) => f !== fin),
        );
        return { kind: "done" };
      }
      if (fin && !original.metadata.finalizers?.includes(fin)) {
        original = await this.#patchFinalizers(original, [
          ...(original.metadata.finalizers ?? []),
          fin,
        ]);
        if (ctx.signal.aborted) return abandoned();
      }
    } catch (e) {
      if (ctx.signal.aborted) return abandoned();
      return this.#failed(original, e, log);
    }

    // A plugin with `writesStatus: false` is a secondary controller: the status belongs to
    // another one, so it is neither initialised, stamped nor written here.
    const writes = this.plugin.writesStatus !== false;
    const obj = deepCopy(original);
    const now = this.#now();
    const generation = obj.metadata.generation;
    let mgr: ConditionManager | undefined;
    if (writes) {
      const status = ((obj as KubeObject).status ??= {}) as DuckStatus;
      mgr = this.#set?.manage(status, () => now);
      if (mgr) {
        mgr.initialize();
        if (status.observedGeneration !== generation) {
          mgr.markUnknown(this.#set!.happy, NEW_OBSERVED_GEN_FAILURE, NEW_OBSERVED_GEN_MESSAGE);
        }
      }
    }
    let outcome: ShellOutcome = { kind: "done" };
    try {
      const res = await this.reconciler.reconcile(obj, ctx);
      if (ctx.signal.aborted) return abandoned();
      if (res?.requeueAfter !== undefined) outcome = { kind: "requeueAfter", ms: res.requeueAfter };
    } catch (e) {
      if (ctx.signal.aborted) return abandoned();
      outcome = { kind: "error", error: e, permanent: isPermanent(e) };
      if (isPermanent(e) && mgr) {
        mgr.markFalse(e.condition ?? this.#set!.happy, e.reason, e.message);
      }
    }
    if (writes) {
      const failed = await this.#writeStatus(original, obj, mgr, now, outcome, log);
      if (failed) return failed;
    }
    if (outcome.kind === "error") {
      return this.#failed(original, outcome.error, log, outcome.permanent);
    }
    log.debug("reconciled", { outcome: outcome.kind });
    return outcome;
  }

  /**
   * Stamps `observedGeneration`, grooms transition times and writes the status
   * when the pass changed it; returns the outcome to report instead when a
   * failed write should fail an otherwise successful pass.
   */
  async #writeStatus(
    original: T,
    obj: T,
    mgr: ConditionManager | undefined,
    now: Date,
    outcome: ShellOutcome,
    log: Logger,
  ): Promise<ShellOutcome | undefined> {
    const generation = obj.metadata.generation;
    const newStatus = (obj as KubeObject).status as DuckStatus;
    if (generation !== undefined && (mgr || "observedGeneration" in newStatus)) {
      newStatus.observedGeneration = generation;
    }
    if (mgr) {
      const top = mgr.topLevel();
      if (top?.reason === NEW_OBSERVED_GEN_FAILURE) {
        log.warn("a reconciler observed a new generation without updating the resource status");
      }
    }
    groomTransitionTimes(original.status as DuckStatus | undefined, newStatus, now);
    const before = (original as KubeObject).status ?? {};
    if (!jsonEqual(before, newStatus)) {
      if (this.#o.isLeader && !this.#o.isLeader()) {
        log.warn("not the leader; status not written");
      } else {
        try {
          await this.#updateStatus(original, newStatus);
        } catch (e) {
          if (!isConflict(e)) {
            this.#o.recorder.event(
              original,
              "Warning",
              "UpdateFailed",
              `Failed to update status for "${original.metadata.name}": ${errMessage(e)}`,
            );
          }
          if (outcome.kind !== "error") {
            log.debug("status update failed", { error: e });
            return { kind: "error", error: e, permanent: false };
          }
        }
      }
    }
    return undefined;
  }

  #failed(obj: T, e: unknown, log: Logger, permanent = isPermanent(e)): ShellOutcome {
    if (this.queue.shuttingDown) {
      log.debug("reconcile failed during shutdown", { error: e });
      return { kind: "error", error: e, permanent };
    }
    if (isConflict(e)) {
      log.debug("conflict; will retry", { error: e });
    } else if (permanent) {
      log.error("reconcile failed permanently", { error: e });
      this.#o.recorder.event(
        obj,
        "Warning",
        isPermanent(e) ? e.reason : "InternalError",
        errMessage(e),
      );
    } else {
      log.error("reconcile failed", { error: e });
      this.#o.recorder.event(obj, "Warning", "InternalError", errMessage(e));
    }
    return { kind: "error", error: e, permanent };
  }

  async #patchFinalizers(obj: T, finalizers: string[]): Promise<T> {
    const { namespace, name } = splitKey(objectKey(obj));
    return await this.#o.client.patch<T>(
      { apiVersion: obj.apiVersion, kind: obj.kind, namespace, name },
      "merge",
      { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } },
      { fieldManager: this.plugin.name },
    );
  }

  async #updateStatus(original: T, status: DuckStatus): Promise<void> {
    for (let attempt = 0;; attempt++) {
      let target: KubeObject;
      if (attempt === 0) {
        target = deepCopy(original);
      } else {
        const { namespace, name } = splitKey(objectKey(original));
        try {
          target = await this.#o.client.get({
            apiVersion: original.apiVersion,
            kind: original.kind,
            namespace,
            name,
          });
        } catch (e) {
          if (isNotFound(e)) return;
          throw e;
        }
        if (jsonEqual(target.status ?? {}, status)) return;
      }
      target.status = deepCopy(status);
      try {
        await this.#o.client.updateStatus(target, { fieldManager: this.plugin.name });
        return;
      } catch (e) {
        if (!isConflict(e) || attempt >= 4) throw e;
      }
    }
  }
}

/**
 * A short, low-cardinality reason for a reconcile error, for the errors
 * metric: the Kubernetes status reason (`Conflict`, `AlreadyExists`, …),
 * `Permanent`, `Timeout`, or the error's class name.
 */
export function errorReason(e: unknown): string {
  if (isPermanent(e)) return "Permanent";
  if (e instanceof ReconcileTimeoutError) return "ReconcileTimeout";
  if (e instanceof KubeError) return e.reason || `HTTP${e.code}`;
  if (e instanceof Error) return e.name || "Error";
  return "Unknown";
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
