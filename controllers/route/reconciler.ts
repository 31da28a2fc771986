/**
 * The Route reconciler (KNATIVE.md §5). Phases: resolve traffic → status
 * url/traffic → address → placeholder Services → certificates (none: TLS off)
 * → Ingress (with gradual rollout) → IngressReady → rewrite placeholders from
 * the Ingress load balancer.
 * @module
 */
import type {
  Configuration,
  DomainConfig,
  FeaturesConfig,
  Ingress,
  IngressVisibility,
  NetworkConfig,
  Revision,
  Route,
} from "../../apis/mod.ts";
import {
  DOMAIN_CONFIG_NAME,
  FEATURES_CONFIG_NAME,
  NETWORK_CONFIG_NAME,
  NETWORKING_V1ALPHA1,
  parseGoDuration,
  ROLLOUT_DURATION_KEYS,
  ROUTE_LABEL,
  RouteConditions,
  routeConditionSet,
  SERVING_V1,
  VISIBILITY_CLUSTER_LOCAL,
  VISIBILITY_LABEL,
} from "../../apis/mod.ts";
import type {
  ControllerPlugin,
  DuckStatus,
  KubeObject,
  ReconcilerDeps,
  ReconcileResult,
  StoreView,
} from "../../runtime/mod.ts";
import { conditionSet, createOrGetStale, isNotFound, PermanentError } from "../../runtime/mod.ts";
import { isControlledBy, keyPriority, union } from "../names.ts";
import {
  DomainNameError,
  ingressClassForRoute,
  ingressName,
  makeIngress,
  makeK8sService,
  makePlaceholderService,
  resolveVisibility,
  routeAddressURL,
  type RouteConfig,
  routeStatusURL,
  type ServicePair,
  statusTraffic,
} from "./resources.ts";
import { buildTrafficConfiguration, type TrafficConfig } from "./traffic.ts";
import {
  buildRollout,
  deserializeRollout,
  observeReady,
  type Rollout,
  rolloutDone,
  stepRollout,
} from "./rollout.ts";
import { Tracker } from "./tracker.ts";
import { deepCopy } from "../../runtime/mod.ts";

const ROUTE_CONDITIONS = conditionSet({
  happy: routeConditionSet.happy,
  dependents: [...routeConditionSet.dependents],
});

/** GVKs the Route controller reads. */
export const GVK = {
  route: { apiVersion: SERVING_V1, kind: "Route" },
  configuration: { apiVersion: SERVING_V1, kind: "Configuration" },
  revision: { apiVersion: SERVING_V1, kind: "Revision" },
  ingress: { apiVersion: NETWORKING_V1ALPHA1, kind: "Ingress" },
  service: { apiVersion: "v1", kind: "Service" },
  endpoints: { apiVersion: "v1", kind: "Endpoints" },
} as const;

/** The cluster domain (`cluster.local`). */
export const CLUSTER_DOMAIN = "cluster.local";

function storeOf<T extends KubeObject>(
  deps: ReconcilerDeps,
  gvk: { apiVersion: string; kind: string },
): StoreView<T> {
  const s = deps.stores.get(`${gvk.apiVersion}/${gvk.kind}`);
  if (!s) throw new Error(`no informer cache for ${gvk.apiVersion}/${gvk.kind}`);
  return s as StoreView<T>;
}

/** Reads the typed config the Route builders need. */
export function routeConfigFrom(deps: ReconcilerDeps): RouteConfig {
  return {
    network: deps.config.get<NetworkConfig>(NETWORK_CONFIG_NAME),
    domain: deps.config.get<DomainConfig>(DOMAIN_CONFIG_NAME),
    features: deps.config.get<FeaturesConfig>(FEATURES_CONFIG_NAME),
    clusterDomain: CLUSTER_DOMAIN,
  };
}

/** Options of {@link routePlugin}. */
export interface RoutePluginOptions {
  /** Shared reference tracker (tests may inspect it). */
  tracker?: Tracker;
}

/** The Route controller plugin. */
export function routePlugin(opts: RoutePluginOptions = {}): ControllerPlugin<Route> {
  const tracker = opts.tracker ?? new Tracker();
  return {
    name: "route",
    resource: GVK.route,
    owns: [GVK.ingress, GVK.service, GVK.endpoints],
    watches: [
      { gvk: GVK.configuration, map: (o) => tracker.lookup("Configuration", o) },
      { gvk: GVK.revision, map: (o) => tracker.lookup("Revision", o) },
    ],
    conditions: { happy: routeConditionSet.happy, dependents: [...routeConditionSet.dependents] },
    create: (deps) => ({ reconcile: (route) => reconcileRoute(deps, tracker, route) }),
  };
}

/** One reconcile of a Route; mutates `route.status`. */
export async function reconcileRoute(
  deps: ReconcilerDeps,
  tracker: Tracker,
  route: Route,
): Promise<ReconcileResult | void> {
  const cfg = routeConfigFrom(deps);
  route.status ??= {};
  const cond = conds(route, deps);
  if (route.metadata.generation !== route.status.observedGeneration) {
    markIngressNotConfigured(route, deps);
  }

  const resolved = resolveTraffic(deps, tracker, cfg, route);
  if (!resolved) return;
  const { tc, visibility } = resolved;

  route.status.address = { url: routeAddressURL(cfg, route) };
  const services = await reconcilePlaceholderServices(deps, cfg, route, tc);
  markCertificates(cfg, route, deps);
  const { ingress, rollout, requeueAfter } = await reconcileIngress(
    deps,
    cfg,
    route,
    tc,
    visibility,
  );

  const inProgress = !rolloutDone(rollout);
  if (ingress.metadata.generation !== ingress.status?.observedGeneration) {
    markIngressNotConfigured(route, deps);
  } else if (!inProgress) propagateIngressStatus(route, ingress, deps);

  await updatePlaceholderServices(deps, cfg, route, services, ingress);

  if (inProgress) {
    cond.markUnknown(
      RouteConditions.IngressReady,
      "RolloutInProgress",
      "A gradual rollout of the latest revision(s) is in progress.",
    );
    route.status.traffic = statusTraffic(cfg, route, tc, visibility, rollout);
  }
  return requeueAfter ? { requeueAfter } : undefined;
}

function conds(route: Route, deps: ReconcilerDeps) {
  return ROUTE_CONDITIONS.manage((route.status ??= {}) as DuckStatus, deps.now);
}

function markIngressNotConfigured(route: Route, deps: ReconcilerDeps): void {
  conds(route, deps).markUnknown(
    RouteConditions.IngressReady,
    "IngressNotConfigured",
    "Ingress has not yet been reconciled.",
  );
}

/**
 * Phase 1: resolve `spec.traffic`, the visibility and `status.url`; a bad
 * target marks `AllTrafficAssigned` and stops the reconcile (the tracker
 * re-enqueues the Route when the target changes).
 */
function resolveTraffic(
  deps: ReconcilerDeps,
  tracker: Tracker,
  cfg: RouteConfig,
  route: Route,
): { tc: TrafficConfig; visibility: Map<string, IngressVisibility> } | undefined {
  const ns = route.metadata.namespace ?? "";
  const configs = storeOf<Configuration>(deps, GVK.configuration);
  const revisions = storeOf<Revision>(deps, GVK.revision);
  const { config: tc, error } = buildTrafficConfiguration(route, {
    configuration: (n) => configs.get(`${ns}/${n}`) as Configuration | undefined,
    revision: (n) => revisions.get(`${ns}/${n}`) as Revision | undefined,
  });
  const cond = conds(route, deps);
  const refs = [
    ...tc.missingTargets,
    ...[...tc.configurations.keys()].map((name) => ({ kind: "Configuration", name })),
    ...[...tc.revisions.keys()].map((name) => ({ kind: "Revision", name })),
  ];
  tracker.track(route, refs);

  let visibility: Map<string, IngressVisibility>;
  try {
    const placeholders = routeServices(deps, route);
    visibility = resolveVisibility(cfg, route, placeholders as KubeObject[]);
    route.status!.url = routeStatusURL(cfg, route, visibility);
  } catch (e) {
    if (e instanceof DomainNameError) {
      throw new PermanentError(e.message, {
        reason: "ErrorConfig",
        condition: RouteConditions.AllTrafficAssigned,
      });
    }
    throw e;
  }

  if (error) {
    if (error.status === "False") {
      cond.markFalse(RouteConditions.AllTrafficAssigned, error.reason, error.message);
    } else cond.markUnknown(RouteConditions.AllTrafficAssigned, error.reason, error.message);
    return undefined;
  }
  route.status!.traffic = statusTraffic(cfg, route, tc, visibility);
  cond.markTrue(RouteConditions.AllTrafficAssigned);
  return { tc, visibility };
}

/** Phase 2: one placeholder Service per traffic name; orphans are deleted. */
async function reconcilePlaceholderServices(
  deps: ReconcilerDeps,
  cfg: RouteConfig,
  route: Route,
  tc: TrafficConfig,
): Promise<(ServicePair & { tag: string })[]> {
  const ns = route.metadata.namespace ?? "";
  const svcStore = storeOf(deps, GVK.service);
  const epStore = storeOf(deps, GVK.endpoints);
  const out: (ServicePair & { tag: string })[] = [];
  for (const tag of [...tc.targets.keys()].sort()) {
    const desired = makePlaceholderService(cfg, route, tag);
    const name = desired.metadata.name!;
    let svc = svcStore.get(`${ns}/${name}`) as KubeObject | undefined;
    let created = false;
    if (!svc) {
      try {
        const res = await createOrGetStale(deps, desired);
        svc = res.obj;
        created = res.created;
      } catch (e) {
        deps.recorder.event(
          route,
          "Warning",
          "CreationFailed",
          `Failed to create placeholder service "${name}": ${(e as Error).message}`,
        );
        throw new Error(`failed to create placeholder service: ${(e as Error).message}`);
      }
      if (created) {
        deps.recorder.event(route, "Normal", "Created", `Created placeholder service "${name}"`);
      }
    }
    if (!isControlledBy(svc, route)) {
      throw new PermanentError(
        `There is an existing placeholder Service "${name}" that we do not own.`,
        { reason: "NotOwned", condition: RouteConditions.IngressReady },
      );
    }
    const ep = epStore.get(`${ns}/${name}`) as KubeObject | undefined;
    if (ep && !isControlledBy(ep, route)) {
      throw new PermanentError(
        `There is an existing placeholder Endpoint "${name}" that we do not own.`,
        { reason: "NotOwned", condition: RouteConditions.IngressReady },
      );
    }
    out.push({ service: svc, endpoints: ep, tag });
  }
  const active = new Set(out.map((p) => p.service.metadata.name));
  for (const s of routeServices(deps, route)) {
    if (active.has(s.metadata.name) || !isControlledBy(s, route)) continue;
    await deleteIgnoringNotFound(deps, { ...GVK.service, namespace: ns, name: s.metadata.name });
    if (epStore.get(`${ns}/${s.metadata.name}`)) {
      await deleteIgnoringNotFound(deps, {
        ...GVK.endpoints,
        namespace: ns,
        name: s.metadata.name,
      });
    }
  }
  return out;
}

/** The k8s Services labelled with this Route (`serving.knative.dev/route`), via the label index. */
function routeServices(deps: ReconcilerDeps, route: Route): KubeObject[] {
  const ns = route.metadata.namespace;
  return storeOf(deps, GVK.service).byIndex(`label:${ROUTE_LABEL}`, route.metadata.name ?? "")
    .filter((s) => s.metadata.namespace === ns) as KubeObject[];
}

async function deleteIgnoringNotFound(
  deps: ReconcilerDeps,
  ref: { apiVersion: string; kind: string; namespace: string; name?: string },
): Promise<void> {
  try {
    await deps.client.delete(ref);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Phase 3: certificates. denative has no certificate provider: external TLS must be off. */
function markCertificates(cfg: RouteConfig, route: Route, deps: ReconcilerDeps): void {
  const cond = conds(route, deps);
  if (cfg.network.externalDomainTLS === "Enabled" && !isClusterLocal(route)) {
    cond.markFalse(
      RouteConditions.CertificateProvisioned,
      "CertificateProvisionFailed",
      "external-domain-tls is enabled in config-network but no certificate provider is installed; set external-domain-tls: Disabled or install a certificate class",
    );
    return;
  }
  cond.markTrueWithReason(
    RouteConditions.CertificateProvisioned,
    "TLSNotEnabled",
    "external-domain-tls is not enabled",
  );
}

function isClusterLocal(route: Route): boolean {
  return route.metadata.labels?.[VISIBILITY_LABEL] === VISIBILITY_CLUSTER_LOCAL;
}

/** The rollout duration in seconds: route annotation, else config-network. */
export function rolloutDurationSecs(cfg: RouteConfig, route: Route): number {
  const ann = keyPriority(route.metadata.annotations, ROLLOUT_DURATION_KEYS);
  if (ann) {
    const ms = parseGoDuration(ann);
    if (ms !== undefined && ms !== 0) return Math.trunc(ms / 1000);
  }
  return Math.trunc(cfg.network.rolloutDurationMs / 1000);
}

/** Phase 4: create or update the Ingress, stepping a gradual rollout. */
async function reconcileIngress(
  deps: ReconcilerDeps,
  cfg: RouteConfig,
  route: Route,
  tc: TrafficConfig,
  visibility: Map<string, IngressVisibility>,
): Promise<{ ingress: Ingress; rollout: Rollout; requeueAfter?: number }> {
  const ns = route.metadata.namespace ?? "";
  const cls = ingressClassForRoute(cfg, route);
  const name = ingressName(route);
  const existing = storeOf<Ingress>(deps, GVK.ingress).get(`${ns}/${name}`) as
    | Ingress
    | undefined;
  if (!existing) {
    const rollout = buildRollout(tc);
    const desired = makeIngress(cfg, route, tc, visibility, rollout, cls);
    let res: { obj: Ingress; created: boolean };
    try {
      res = await createOrGetStale(deps, desired);
    } catch (e) {
      deps.recorder.event(
        route,
        "Warning",
        "CreationFailed",
        `Failed to create Ingress: ${(e as Error).message}`,
      );
      throw new Error(`failed to create Ingress: ${(e as Error).message}`);
    }
    if (!res.created) {
      // The cache was stale; the Ingress's own event brings the Route back.
      if (!isControlledBy(res.obj, route)) {
        throw new PermanentError(`There is an existing Ingress "${name}" that we do not own.`, {
          reason: "NotOwned",
          condition: RouteConditions.IngressReady,
        });
      }
      return { ingress: res.obj, rollout };
    }
    const created = res.obj;
    deps.recorder.event(route, "Normal", "Created", `Created Ingress "${name}"`);
    return { ingress: created, rollout };
  }
  if (!isControlledBy(existing, route)) {
    throw new PermanentError(
      `There is an existing Ingress "${name}" that we do not own.`,
      { reason: "NotOwned", condition: RouteConditions.IngressReady },
    );
  }
  const { rollout, requeueAfter } = effectiveRollout(deps, cfg, route, tc, existing);
  const desired = makeIngress(cfg, route, tc, visibility, rollout, cls);
  if (
    !jsonEqual(existing.spec, desired.spec) ||
    !jsonEqual(existing.metadata.annotations ?? {}, desired.metadata.annotations ?? {}) ||
    !jsonEqual(existing.metadata.labels ?? {}, desired.metadata.labels ?? {})
  ) {
    const next = deepCopy(existing) as Ingress;
    next.spec = desired.spec;
    next.metadata.annotations = desired.metadata.annotations;
    next.metadata.labels = desired.metadata.labels;
    delete next.status; // the status subresource is the ingress controller's
    try {
      const updated = await deps.client.update(next);
      return { ingress: updated, rollout, requeueAfter };
    } catch (e) {
      throw new Error(`failed to update Ingress: ${(e as Error).message}`);
    }
  }
  return { ingress: existing, rollout, requeueAfter };
}

function effectiveRollout(
  deps: ReconcilerDeps,
  cfg: RouteConfig,
  route: Route,
  tc: TrafficConfig,
  ingress: Ingress,
): { rollout: Rollout; requeueAfter?: number } {
  const cur = buildRollout(tc);
  const secs = rolloutDurationSecs(cfg, route);
  if (secs <= 0) return { rollout: cur };
  const prev = deserializeRollout(
    ingress.metadata.annotations?.["networking.internal.knative.dev/rollout"],
  );
  const nowNs = deps.now().getTime() * 1e6;
  const ingressReady = ingress.metadata.generation === ingress.status?.observedGeneration &&
    ingress.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const routeIngressReady =
    route.status?.conditions?.find((c) => c.type === RouteConditions.IngressReady)?.status ===
      "True";
  if (prev && ingressReady && !routeIngressReady) observeReady(prev, nowNs, secs);
  const { rollout, nextStepTime } = stepRollout(cur, prev, nowNs);
  if (nextStepTime > 0) {
    return { rollout, requeueAfter: Math.max(1, Math.ceil((nextStepTime - nowNs) / 1e6)) };
  }
  return { rollout };
}

/** Phase 5: mirror the Ingress Ready condition into `IngressReady`. */
function propagateIngressStatus(route: Route, ingress: Ingress, deps: ReconcilerDeps): void {
  const cond = conds(route, deps);
  const c = ingress.status?.conditions?.find((x) => x.type === "Ready");
  if (!c) return markIngressNotConfigured(route, deps);
  if (c.status === "True") cond.markTrue(RouteConditions.IngressReady);
  else if (c.status === "False") {
    cond.markFalse(RouteConditions.IngressReady, c.reason ?? "", c.message ?? "");
  } else cond.markUnknown(RouteConditions.IngressReady, c.reason ?? "", c.message ?? "");
}

/** Phase 6: rewrite the placeholder Services (and Endpoints) from the Ingress load balancer. */
async function updatePlaceholderServices(
  deps: ReconcilerDeps,
  cfg: RouteConfig,
  route: Route,
  pairs: (ServicePair & { tag: string })[],
  ingress: Ingress,
): Promise<void> {
  for (const from of pairs) {
    const isPrivate = from.service.metadata.labels?.[VISIBILITY_LABEL] === VISIBILITY_CLUSTER_LOCAL;
    const to = makeK8sService(cfg, route, from.tag, ingress, isPrivate);
    if (!to) continue;
    const fromSpec = (from.service.spec ?? {}) as Record<string, unknown>;
    const toSpec = to.service.spec as Record<string, unknown>;
    let canUpdate = false;
    if (fromSpec.type !== toSpec.type) canUpdate = fromSpec.type === "ExternalName";
    else if (fromSpec.type === "ClusterIP") {
      if (fromSpec.clusterIP === toSpec.clusterIP) canUpdate = true;
      else if (fromSpec.clusterIP !== "None" && !toSpec.clusterIP) {
        toSpec.clusterIP = fromSpec.clusterIP;
        canUpdate = true;
      }
    } else canUpdate = true;

    const annotations = union(from.service.metadata.annotations, to.service.metadata.annotations);
    const labels = union(from.service.metadata.labels, to.service.metadata.labels);
    if (canUpdate) {
      if (
        !specEqual(fromSpec, toSpec) ||
        !jsonEqual(from.service.metadata.annotations ?? {}, annotations) ||
        !jsonEqual(from.service.metadata.labels ?? {}, labels)
      ) {
        const next = deepCopy(from.service);
        next.spec = { ...toSpec, ...keepServerFields(fromSpec, toSpec) };
        next.metadata.annotations = annotations;
        next.metadata.labels = labels;
        await deps.client.update(next);
      }
    } else {
      await deleteIgnoringNotFound(deps, {
        ...GVK.service,
        namespace: from.service.metadata.namespace ?? "",
        name: from.service.metadata.name,
      });
      await deps.client.create(to.service);
    }

    if (from.endpoints && to.endpoints) {
      if (!jsonEqual(from.endpoints.subsets, to.endpoints.subsets)) {
        const next = deepCopy(from.endpoints);
        next.subsets = to.endpoints.subsets;
        await deps.client.update(next);
      }
    } else if (!from.endpoints && to.endpoints) {
      await deps.client.create(to.endpoints);
    } else if (from.endpoints && !to.endpoints) {
      await deleteIgnoringNotFound(deps, {
        ...GVK.endpoints,
        namespace: from.endpoints.metadata.namespace ?? "",
        name: from.endpoints.metadata.name,
      });
    }
  }
}

/** Server-defaulted Service fields kept across updates (clusterIP(s), ipFamilies…). */
const SERVER_FIELDS = ["clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"];

function keepServerFields(
  from: Record<string, unknown>,
  to: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (from.type !== to.type) return out;
  for (const k of SERVER_FIELDS) if (k in from && !(k in to)) out[k] = from[k];
  return out;
}

function specEqual(from: Record<string, unknown>, to: Record<string, unknown>): boolean {
  // Desired ⊆ existing: fields the API server defaults (protocol, clusterIP…) never force an update.
  return jsonContains(from, to);
}

/** True when every field of `want` is present and equal in `have` (arrays element-wise). */
export function jsonContains(have: unknown, want: unknown): boolean {
  if (typeof want !== "object" || want === null) return have === want;
  if (typeof have !== "object" || have === null) return false;
  if (Array.isArray(want)) {
    return Array.isArray(have) && have.length === want.length &&
      want.every((w, i) => jsonContains(have[i], w));
  }
  const h = have as Record<string, unknown>;
  return Object.entries(want as Record<string, unknown>).every(([k, v]) =>
    v === undefined || jsonContains(h[k], v)
  );
}

/** Deep JSON equality with key order ignored. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>, bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}
