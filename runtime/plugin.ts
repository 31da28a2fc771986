/**
 * Plugin contracts: controller plugins (reconcilers) and ingress providers.
 * The runtime core loads them; it knows nothing of Knative.
 * @module
 */
import type { KubeClient } from "./client_api.ts";
import type { GroupVersionKind, KubeObject } from "./types.ts";

/** Read-only view over an informer cache. */
export interface StoreView<T extends KubeObject = KubeObject> {
  /** Gets a cached object by `namespace/name` key. The result must not be mutated. */
  get(key: string): Readonly<T> | undefined;
  /** Lists all cached objects, optionally only one namespace. */
  list(namespace?: string): readonly Readonly<T>[];
  /** Lists objects from a named index. */
  byIndex(index: string, value: string): readonly Readonly<T>[];
}

/** Records Kubernetes Events against an object. */
export interface EventRecorder {
  /** Records a Normal or Warning event. Repeats are folded into a count. */
  event(
    obj: KubeObject,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): void;
}

/** Structured logger with per-reconcile context. */
export interface Logger {
  /** Debug line. */
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** Info line. */
  info(msg: string, fields?: Record<string, unknown>): void;
  /** Warning line. */
  warn(msg: string, fields?: Record<string, unknown>): void;
  /** Error line. */
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A child logger with extra fields on every line. */
  with(fields: Record<string, unknown>): Logger;
}

/** What a reconcile may return. */
export interface ReconcileResult {
  /** Reconcile again after this many milliseconds. */
  requeueAfter?: number;
}

/** Everything a reconciler gets from the runtime. */
export interface ReconcilerDeps {
  /** The API client (writes go through it). */
  client: KubeClient;
  /** Cache views by `apiVersion/kind` (e.g. `apps/v1/Deployment`). */
  stores: ReadonlyMap<string, StoreView>;
  /** Event recorder. */
  recorder: EventRecorder;
  /** Logger. */
  logger: Logger;
  /** Current configuration by config-map name (typed by the plugin). */
  config: ConfigSource;
  /** Wall clock; tests replace it. */
  now: () => Date;
}

/** Supplies parsed configuration. */
export interface ConfigSource {
  /** Returns the last good parsed value of a config map, by name. */
  get<T>(name: string): T;
}

/** Per-call context the shell passes to `reconcile` and `finalize`. */
export interface ReconcileContext {
  /**
   * Aborts when the reconcile exceeded its timeout (the shell has already
   * given up on it and will write nothing for this pass) or the controller is
   * shutting down. Pass it to long calls and stop early when it fires.
   */
  signal: AbortSignal;
}

/** The reconcile and finalize functions a plugin creates. */
export interface Reconciler<T extends KubeObject = KubeObject> {
  /**
   * Brings the world in line with `obj` (a deep copy; mutate its status
   * freely: the shell writes what changed, unless the plugin sets
   * `writesStatus: false`).
   */
  reconcile(obj: T, ctx?: ReconcileContext): Promise<ReconcileResult | void>;
  /** Cleans up external state before the finalizer is removed. */
  finalize?(obj: T, ctx?: ReconcileContext): Promise<ReconcileResult | void>;
}

/** A secondary watch that maps events of another kind to keys of the primary kind. */
export interface MappedWatch {
  /** The watched type. */
  gvk: GroupVersionKind;
  /** Returns the primary keys (`namespace/name`) to enqueue. */
  map(obj: KubeObject): string[];
}

/** Declares a controller to the runtime. */
export interface ControllerPlugin<T extends KubeObject = KubeObject> {
  /** Unique name, used in logs, metrics and as the field manager. */
  name: string;
  /** The reconciled type. */
  resource: GroupVersionKind;
  /** Types whose controller owner is enqueued on change. */
  owns?: GroupVersionKind[];
  /** Other watches with a mapper. */
  watches?: MappedWatch[];
  /** Happy condition and dependents (see `ConditionSet`). */
  conditions?: { happy: string; dependents: string[] };
  /** Finalizer name, when `finalize` is used. */
  finalizer?: string;
  /** Skip reconciling objects this predicate rejects (e.g. another ingress class). */
  filter?(obj: T): boolean;
  /**
   * Whether the shell owns this resource's status (default true): initialises
   * the conditions, stamps `status.observedGeneration`, and writes the status
   * when the pass changed it. `false` is for secondary controllers on a type
   * another controller owns the status of (Knative's `SkipStatusUpdates`,
   * e.g. the labeler on Routes or revision GC on Configurations): the shell
   * then never touches or writes the status (changes the reconciler makes to
   * `obj.status` are discarded), so it never claims that the owner observed
   * a generation it has not. Such a plugin must not declare `conditions`.
   * Finalizers, events, requeues and errors work as usual.
   */
  writesStatus?: boolean;
  /** Creates the reconciler. */
  create(deps: ReconcilerDeps): Reconciler<T>;
}

/** The networking config a provider renders with (a parsed `config-network` and friends). */
export type ProviderConfig = Record<string, unknown>;

/** Status a provider derives for an Ingress from the objects it observed. */
export interface ProviderStatus {
  /** True when the network is programmed and serving; false while pending. */
  ready: boolean;
  /** Reason for not ready. */
  reason?: string;
  /** Message for not ready. */
  message?: string;
  /** Public load balancer entries. */
  publicLoadBalancer?: { ingress: LoadBalancerIngress[] };
  /** Private load balancer entries. */
  privateLoadBalancer?: { ingress: LoadBalancerIngress[] };
}

/** A load balancer address (networking/v1alpha1 LoadBalancerIngressStatus). */
export interface LoadBalancerIngress {
  /** IP address. */
  ip?: string;
  /** DNS name. */
  domain?: string;
  /** In-cluster DNS name. */
  domainInternal?: string;
  /** True when served through the mesh. */
  meshOnly?: boolean;
}

/**
 * An ingress provider: renders a Knative Ingress into network objects. `render`
 * must be pure JSON in, JSON out so it can run as a WebAssembly plugin.
 */
export interface IngressProvider {
  /** The class this provider serves, e.g. `istio.ingress.networking.knative.dev`. */
  className: string;
  /** Renders the desired objects for an Ingress. */
  render(ingress: KubeObject, config: ProviderConfig): KubeObject[] | Promise<KubeObject[]>;
  /** Derives status from the objects currently observed for the Ingress. */
  status(
    ingress: KubeObject,
    observed: KubeObject[],
    config: ProviderConfig,
  ): ProviderStatus | Promise<ProviderStatus>;
  /** Kinds this provider may render (used for watches and validation). */
  kinds: GroupVersionKind[];
}

/**
 * Thrown by an ingress provider (typically a WebAssembly plugin) that failed.
 * The ingress reconciler turns it into `Ready=False` with reason `PluginFailed`
 * and a Warning event, and keeps serving other Ingresses.
 */
export class ProviderFailedError extends Error {
  /** Name of the provider or plugin that failed. */
  readonly provider: string;
  /** Creates the error. */
  constructor(provider: string, message: string) {
    super(`plugin ${provider} failed: ${message}`);
    this.name = "ProviderFailedError";
    this.provider = provider;
  }
}
