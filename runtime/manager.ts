/**
 * The Manager: shared informers and stores for every plugin's kinds, the
 * config store, the event recorder, optional leader election, controllers,
 * metrics and health, `idle()` for fixed-point runs, and graceful stop.
 * @module
 */
import { sleep } from "./backoff.ts";
import type { KubeClient } from "./client_api.ts";
import { type ConfigMapSpec, ConfigStore } from "./config_store.ts";
import { Controller } from "./controller.ts";
import { KubeEventRecorder } from "./events.ts";
import { LeaderElector } from "./leader_election.ts";
import { JsonLogger } from "./logging.ts";
import { RuntimeMetrics } from "./metrics.ts";
import type { ControllerPlugin, Logger, StoreView } from "./plugin.ts";
import { type Indexer, Store } from "./store.ts";
import type { GroupVersionKind, KubeObject } from "./types.ts";
import { Watcher } from "./watcher.ts";

export type { ConfigMapSpec } from "./config_store.ts";

/** Leader election settings. */
export interface LeaderElectionConfig {
  /** Lease name (in the system namespace). */
  leaseName: string;
  /** This replica's identity. */
  identity: string;
  /** Lease duration (default 15000). */
  leaseDurationMs?: number;
  /** Renew deadline (default 10000). */
  renewDeadlineMs?: number;
  /** Retry period (default 2000). */
  retryPeriodMs?: number;
  /** Deadline of each Lease API call (default `max(renewDeadlineMs / 2, 1000)`). */
  requestTimeoutMs?: number;
}

/** Options for {@link Manager}. */
export interface ManagerOptions {
  /** API client. */
  client: KubeClient;
  /** Plugins to run. */
  plugins: ControllerPlugin[];
  /** Namespace of config maps and the lease (default `knative-serving`). */
  systemNamespace?: string;
  /** Config maps to watch and parse. */
  configMaps?: ConfigMapSpec[];
  /** Workers per controller (default 2). */
  workers?: number;
  /** Logger (default JSON lines to stderr). */
  logger?: Logger;
  /** Leader election, or false/absent to always lead. */
  leaderElection?: LeaderElectionConfig | false;
  /** Periodic resync of every controller in ms (default 10 h; 0 disables). */
  resyncMs?: number;
  /** Clock. */
  now?: () => Date;
  /** Extra indexers: store key (`apps/v1/Deployment`) → index name → indexer. */
  indexers?: Record<string, Record<string, Indexer>>;
  /** How long `idle()` waits for quiet before resolving (default 25 ms). */
  idleSettleMs?: number;
  /** Watch idle timeout override (ms). */
  watchIdleTimeoutMs?: number;
  /** Called when leadership is lost. */
  onLeadershipLost?: () => void;
  /**
   * Per-reconcile timeout in ms for every controller (default
   * `DEFAULT_RECONCILE_TIMEOUT_MS`, 2 min; 0 disables). See
   * `ControllerOptions.reconcileTimeoutMs`.
   */
  reconcileTimeoutMs?: number;
  /**
   * Periodic full relist of every watch, in ms, as a safety net against missed
   * events (default `DEFAULT_RELIST_INTERVAL_MS`, 10 min, jittered by up to
   * 10 %; 0 disables). See `WatcherOptions.relistIntervalMs`.
   */
  relistIntervalMs?: number;
  /**
   * How long `stop` waits for queued Event writes before dropping the rest,
   * in ms (default {@link DEFAULT_EVENT_FLUSH_TIMEOUT_MS}). Events are best
   * effort; without this bound a backlog behind a slow API server kept a
   * stopping manager waiting for minutes.
   */
  eventFlushTimeoutMs?: number;
}

/** Default {@link ManagerOptions.eventFlushTimeoutMs}: 2 s. */
export const DEFAULT_EVENT_FLUSH_TIMEOUT_MS = 2_000;

/** Liveness/readiness probes. */
export interface ManagerHealth {
  /** True while started and not stopped. */
  live(): boolean;
  /** True once every cache synced (and the manager is running). */
  ready(): boolean;
}

/** Store key for a type: `apiVersion/Kind`. */
export function storeKey(gvk: GroupVersionKind): string {
  return `${gvk.apiVersion}/${gvk.kind}`;
}

/** Runs plugins. */
export class Manager {
  /** Metrics. */
  readonly metrics: RuntimeMetrics = new RuntimeMetrics();
  /** Health probes. */
  readonly health: ManagerHealth;
  /** Parsed configuration. */
  readonly config: ConfigStore;
  /** Event recorder. */
  readonly recorder: KubeEventRecorder;
  /** Controllers by plugin name. */
  readonly controllers: Map<string, Controller> = new Map();
  readonly #o: ManagerOptions;
  readonly #log: Logger;
  readonly #stores = new Map<string, Store>();
  readonly #views = new Map<string, StoreView>();
  readonly #watchers = new Map<string, Watcher>();
  readonly #configWatcher?: Watcher;
  readonly #elector?: LeaderElector;
  #started = false;
  #stopped = false;
  #synced = false;
  #activity = 0;

  /** Builds stores, watchers and controllers (nothing runs until `start`). */
  constructor(opts: ManagerOptions) {
    this.#o = opts;
    this.#log = opts.logger ?? new JsonLogger();
    const ns = opts.systemNamespace ?? "knative-serving";
    const now = opts.now ?? (() => new Date());
    this.recorder = new KubeEventRecorder({ client: opts.client, logger: this.#log, now });
    this.config = new ConfigStore(opts.configMaps ?? [], {
      logger: this.#log,
      recorder: this.recorder,
    });
    if (opts.configMaps?.length) {
      const names = new Set(opts.configMaps.map((c) => c.name));
      this.#configWatcher = new Watcher({
        client: opts.client,
        gvk: { apiVersion: "v1", kind: "ConfigMap" },
        namespace: ns,
        store: new Store(),
        logger: this.#log,
        metrics: this.metrics,
        idleTimeoutMs: opts.watchIdleTimeoutMs,
        relistIntervalMs: opts.relistIntervalMs,
        handler: {
          onAdd: (cm) =>
            names.has(cm.metadata.name!) && this.#configChanged(this.config.update(cm)),
          onUpdate: (_o, cm) =>
            names.has(cm.metadata.name!) && this.#configChanged(this.config.update(cm)),
          onDelete: (cm) =>
            names.has(cm.metadata.name!) &&
            this.#configChanged(this.config.remove(cm.metadata.name!)),
        },
      });
    }
    if (opts.leaderElection) {
      const le = opts.leaderElection;
      this.#elector = new LeaderElector({
        client: opts.client,
        namespace: ns,
        leaseName: le.leaseName,
        identity: le.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        requestTimeoutMs: le.requestTimeoutMs,
        logger: this.#log,
        onStartedLeading: () => {
          for (const c of this.controllers.values()) c.enqueueAll();
        },
        onStoppedLeading: () => opts.onLeadershipLost?.(),
      });
    }
    for (const p of opts.plugins) {
      for (const g of [p.resource, ...(p.owns ?? []), ...(p.watches ?? []).map((w) => w.gvk)]) {
        this.#ensureWatcher(g);
      }
    }
    for (const [key, idx] of Object.entries(opts.indexers ?? {})) {
      const s = this.#stores.get(key);
      if (!s) throw new Error(`indexers given for unwatched type ${key}`);
      for (const [name, fn] of Object.entries(idx)) s.addIndexer(name, fn);
    }
    for (const p of opts.plugins) {
      if (this.controllers.has(p.name)) throw new Error(`duplicate controller ${p.name}`);
      const c = new Controller({
        plugin: p,
        client: opts.client,
        store: this.#stores.get(storeKey(p.resource))!,
        stores: this.#views,
        recorder: this.recorder,
        logger: this.#log,
        config: this.config,
        now,
        metrics: this.metrics,
        workers: opts.workers,
        resyncMs: opts.resyncMs ?? 36_000_000,
        isLeader: () => this.isLeader,
        reconcileTimeoutMs: opts.reconcileTimeoutMs,
      });
      this.controllers.set(p.name, c);
      this.#watchers.get(storeKey(p.resource))!.addHandler(c.primaryHandler());
      for (const g of p.owns ?? []) this.#watchers.get(storeKey(g))!.addHandler(c.ownedHandler());
      for (const w of p.watches ?? []) {
        this.#watchers.get(storeKey(w.gvk))!.addHandler(c.mappedHandler(w));
      }
    }
    for (const w of this.#watchers.values()) {
      w.addHandler({
        onAdd: () => this.#activity++,
        onUpdate: () => this.#activity++,
        onDelete: () => this.#activity++,
      });
    }
    this.health = {
      live: () => this.#started && !this.#stopped,
      ready: () => this.#started && !this.#stopped && this.#synced,
    };
  }

  /** True when this replica may write (always, without leader election). */
  get isLeader(): boolean {
    return this.#elector ? this.#elector.isLeader : true;
  }

  /** Read-only store views by `apiVersion/Kind`. */
  get stores(): ReadonlyMap<string, StoreView> {
    return this.#views;
  }

  /** The cache for a type (to add indexers before `start`). */
  store(key: string): Store | undefined {
    return this.#stores.get(key);
  }

  #ensureWatcher(g: GroupVersionKind): void {
    const key = storeKey(g);
    if (this.#watchers.has(key)) return;
    const store = new Store<KubeObject>();
    this.#stores.set(key, store);
    this.#views.set(key, store.view);
    this.#watchers.set(
      key,
      new Watcher({
        client: this.#o.client,
        gvk: g,
        store,
        logger: this.#log,
        metrics: this.metrics,
        idleTimeoutMs: this.#o.watchIdleTimeoutMs,
        relistIntervalMs: this.#o.relistIntervalMs,
      }),
    );
  }

  #configChanged(changed: boolean): void {
    if (!changed || !this.#synced) return;
    this.#log.info("config changed; re-enqueueing every key");
    for (const c of this.controllers.values()) c.enqueueAll();
  }

  /** Starts watches, waits for the caches, then starts the controllers. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#configWatcher?.start();
    for (const w of this.#watchers.values()) w.start();
    this.#elector?.start();
    await this.waitForSync();
    if (this.#stopped) return;
    this.#synced = true;
    for (const u of this.config.unloaded()) {
      this.#log.warn(
        "config map missing or invalid, with no usable defaults; reconciles that need it will fail until it is fixed",
        {
          config: u.name,
          reason: u.reason,
        },
      );
    }
    for (const c of this.controllers.values()) c.start();
    this.#log.info("controllers started", { controllers: [...this.controllers.keys()] });
  }

  /** Resolves once every cache has listed once. */
  async waitForSync(): Promise<void> {
    const all = [...this.#watchers.values()].map((w) => w.store.waitForSync());
    if (this.#configWatcher) all.push(this.#configWatcher.store.waitForSync());
    await Promise.all(all);
  }

  /**
   * Resolves when every queue is empty, no reconcile is in flight, no event
   * write is pending, and nothing changed for `idleSettleMs` (delayed
   * requeues do not count).
   */
  async idle(): Promise<void> {
    await this.waitForSync();
    for (;;) {
      await Promise.all([...this.controllers.values()].map((c) => c.queue.whenIdle()));
      await this.recorder.flush();
      const mark = this.#mark();
      await sleep(this.#o.idleSettleMs ?? 25);
      const quiet = [...this.controllers.values()].every((c) => c.queue.idle);
      if (quiet && mark === this.#mark() && this.recorder.pending === 0) return;
    }
  }

  #mark(): number {
    let n = this.#activity;
    for (const c of this.controllers.values()) n += c.activity;
    return n;
  }

  /**
   * Stops intake (queued and delayed keys are dropped), waits for in-flight
   * reconciles, stops watches, writes the queued Events for at most
   * `eventFlushTimeoutMs` (dropping the rest), and releases the lease.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all([...this.controllers.values()].map((c) => c.stop()));
    await Promise.all([...this.#watchers.values()].map((w) => w.stop()));
    await this.#configWatcher?.stop();
    await this.recorder.close(this.#o.eventFlushTimeoutMs ?? DEFAULT_EVENT_FLUSH_TIMEOUT_MS);
    await this.#elector?.stop();
    this.#log.info("manager stopped");
  }
}
