/**
 * The generic Ingress reconciler: a controller plugin for
 * `networking.internal.knative.dev/v1alpha1` Ingress that picks a provider by
 * ingress class, applies what the provider renders (owned by the Ingress and
 * labelled with its name), prunes what it no longer renders, and writes
 * `NetworkConfigured`, `LoadBalancerReady`, `Ready` and the load balancers.
 * @module
 */
import {
  type ConfigMapSpec,
  type ControllerPlugin,
  type DuckStatus,
  type GroupVersionKind,
  type IngressProvider,
  isNotFound,
  type KubeObject,
  type ProviderConfig,
  ProviderFailedError,
  type ProviderStatus,
  type ReconcilerDeps,
  type ReconcileResult,
} from "../runtime/mod.ts";
import { conditionSet, createOrGetStale, INDEX_OWNER, lookup, storeKey } from "../runtime/mod.ts";
import {
  INGRESS_CLASS_ANNOTATION,
  INGRESS_CLASS_ANNOTATION_ALT,
  ISTIO_INGRESS_CLASS,
  type NetworkConfig,
} from "../apis/mod.ts";
import { parseContourConfig } from "./contour/config.ts";
import { parseGatewayConfig } from "./gateway_api/config.ts";
import type { Ingress } from "./ingress.ts";
import {
  INGRESS_API_VERSION,
  INGRESS_KIND,
  INGRESS_LABEL_KEY,
  ingressOwnerRef,
} from "./ingress.ts";
import { parseIstioConfig } from "./istio/config.ts";
import { hasFinalize } from "./local/mod.ts";
import type { ProviderRegistry } from "./registry.ts";
import { sameContent } from "./status.ts";
import { DEFAULT_CLUSTER_DOMAIN, type NetworkingConfig } from "./config.ts";
import { deepCopy } from "../runtime/mod.ts";

/** The finalizer the ingress reconciler puts on Ingresses it manages. */
export const INGRESS_FINALIZER = "ingresses.networking.internal.knative.dev";
/** Re-check interval while the load balancer is not ready. */
export const NOT_READY_REQUEUE_MS = 1000;
/** Re-try interval after a provider plugin failed. */
export const PLUGIN_FAILED_REQUEUE_MS = 30_000;
/** Provider config maps the built-in providers read (raw data, validated on load). */
export const PROVIDER_CONFIG_MAPS = ["config-istio", "config-gateway", "config-contour"] as const;

/**
 * Config-map specs for the provider config maps: each parses to its (validated)
 * raw data, so a bad value keeps the last good map in force.
 */
export function networkingConfigMapSpecs(): ConfigMapSpec<Record<string, string>>[] {
  const validated = (name: string, check: (d: Record<string, string>) => unknown) => ({
    name,
    parse(data: Record<string, string>) {
      check(data);
      return { ...data };
    },
  });
  return [
    validated("config-istio", parseIstioConfig),
    validated("config-gateway", parseGatewayConfig),
    validated("config-contour", parseContourConfig),
  ];
}

/** Options of {@link ingressControllerPlugin}. */
export interface IngressReconcilerOptions {
  /** Providers by class. */
  registry: ProviderRegistry;
  /** Kinds whose changes enqueue the owning Ingress (default: the registry's kinds at creation). */
  owns?: GroupVersionKind[];
  /** Class used when neither annotation nor config-network names one. */
  defaultClass?: string;
  /** Cluster domain handed to providers. */
  clusterDomain?: string;
  /** Plugin name (default `ingress`). */
  name?: string;
}

/** Reads the ingress class annotation (`ingress.class`, then `ingress-class`). */
export function ingressClassAnnotation(obj: KubeObject): string | undefined {
  const a = obj.metadata.annotations ?? {};
  return a[INGRESS_CLASS_ANNOTATION] || a[INGRESS_CLASS_ANNOTATION_ALT] || undefined;
}

function tryConfig<T>(deps: ReconcilerDeps | undefined, name: string): T | undefined {
  try {
    return deps?.config.get<T>(name);
  } catch {
    return undefined;
  }
}

function statusOf(ing: Ingress): DuckStatus {
  return (ing.status ??= {}) as DuckStatus;
}

function gvkKey(o: { apiVersion: string; kind: string }): string {
  return `${o.apiVersion}/${o.kind}`;
}

function controlledBy(obj: KubeObject, ing: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) =>
    r.controller && r.uid === ing.metadata.uid && r.kind === INGRESS_KIND
  );
}

class NotOwnedError extends Error {
  constructor(readonly kindName: string, readonly objName: string) {
    super(`There is an existing ${kindName} "${objName}" that we do not own.`);
  }
}

/** Creates the Ingress controller plugin. */
export function ingressControllerPlugin(
  opts: IngressReconcilerOptions,
): ControllerPlugin<Ingress> {
  const conds = conditionSet({
    happy: "Ready",
    dependents: ["NetworkConfigured", "LoadBalancerReady"],
  });
  let deps: ReconcilerDeps | undefined;
  const warned = new Set<string>();

  const classOf = (obj: KubeObject): string =>
    ingressClassAnnotation(obj) ??
      tryConfig<NetworkConfig>(deps, "config-network")?.defaultIngressClass ??
      opts.defaultClass ?? ISTIO_INGRESS_CLASS;

  const providerConfig = (d: ReconcilerDeps): ProviderConfig => {
    const configMaps: Record<string, Record<string, string>> = {};
    for (const name of PROVIDER_CONFIG_MAPS) {
      const v = tryConfig<Record<string, string>>(d, name);
      if (v && typeof v === "object") configMaps[name] = v;
    }
    const cfg: NetworkingConfig = {
      configMaps,
      clusterDomain: opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    };
    return cfg as ProviderConfig;
  };

  return {
    name: opts.name ?? "ingress",
    resource: { apiVersion: INGRESS_API_VERSION, kind: INGRESS_KIND },
    owns: opts.owns ?? opts.registry.kinds(),
    conditions: { happy: "Ready", dependents: ["NetworkConfigured", "LoadBalancerReady"] },
    finalizer: INGRESS_FINALIZER,
    filter(obj) {
      const cls = classOf(obj);
      if (opts.registry.has(cls)) return true;
      const key = `${obj.metadata.namespace}/${obj.metadata.name}\u0000${cls}`;
      if (!warned.has(key)) {
        warned.add(key);
        deps?.logger.info("ingress class has no provider here; leaving the Ingress alone", {
          ingress: `${obj.metadata.namespace}/${obj.metadata.name}`,
          class: cls,
          registered: opts.registry.classes(),
        });
      }
      return false;
    },
    create(d) {
      deps = d;
      const { client, recorder } = d;

      /** Phase: render the desired objects and stamp ownership. */
      async function renderDesired(
        provider: IngressProvider,
        ing: Ingress,
        config: ProviderConfig,
      ): Promise<KubeObject[]> {
        const objs = await provider.render(deepCopy(ing), config);
        const allowed = new Set(provider.kinds.map(gvkKey));
        return objs.map((o) => {
          if (!allowed.has(gvkKey(o))) {
            throw new ProviderFailedError(
              provider.className,
              `rendered a ${gvkKey(o)}, which it does not declare`,
            );
          }
          const ns = o.metadata.namespace ?? ing.metadata.namespace;
          if (ns !== ing.metadata.namespace) {
            throw new ProviderFailedError(
              provider.className,
              `rendered ${o.kind} "${o.metadata.name}" outside the Ingress namespace`,
            );
          }
          const out = deepCopy(o);
          out.metadata.namespace = ns;
          out.metadata.labels = {
            ...(out.metadata.labels ?? {}),
            [INGRESS_LABEL_KEY]: ing.metadata.name ?? "",
          };
          if (!out.metadata.ownerReferences?.some((r) => r.controller)) {
            out.metadata.ownerReferences = [ingressOwnerRef(ing)];
          }
          return out;
        });
      }

      /** Phase: create or update each desired object; returns what the API now holds. */
      async function applyDesired(ing: Ingress, desired: KubeObject[]): Promise<KubeObject[]> {
        const observed: KubeObject[] = [];
        for (const want of desired) {
          const ref = {
            apiVersion: want.apiVersion,
            kind: want.kind,
            namespace: want.metadata.namespace,
            name: want.metadata.name,
          };
          let have = await lookup(d, ref, ref.namespace, ref.name ?? "");
          if (!have) {
            const res = await createOrGetStale(d, want);
            if (res.created) {
              observed.push(res.obj);
              recorder.event(
                ing,
                "Normal",
                "Created",
                `Created ${want.kind} "${want.metadata.name}"`,
              );
              continue;
            }
            have = res.obj; // the cache lagged the API
          }
          if (!controlledBy(have, ing)) {
            throw new NotOwnedError(want.kind, want.metadata.name ?? "");
          }
          if (sameContent(want, have) && sameContent(have, want)) {
            observed.push(have);
            continue;
          }
          try {
            observed.push(
              await client.update({
                ...have,
                spec: want.spec,
                metadata: {
                  ...have.metadata,
                  labels: want.metadata.labels,
                  annotations: want.metadata.annotations,
                  ownerReferences: want.metadata.ownerReferences,
                },
              }),
            );
          } catch (e) {
            // the cache still held an object the API no longer has: create it again
            if (!isNotFound(e)) throw e;
            observed.push(await client.create(want));
          }
        }
        return observed;
      }

      /** Phase: delete objects labelled and owned by the Ingress that are no longer rendered. */
      async function pruneStale(
        provider: IngressProvider,
        ing: Ingress,
        desired: KubeObject[],
      ): Promise<void> {
        const keep = new Set(desired.map((o) => `${gvkKey(o)}/${o.metadata.name}`));
        const mine = new Set(provider.kinds.map(gvkKey));
        const kinds = new Map<string, GroupVersionKind>();
        for (const k of [...provider.kinds, ...opts.registry.kinds()]) kinds.set(gvkKey(k), k);
        for (const [key, k] of kinds) {
          let items: readonly KubeObject[];
          const view = d.stores.get(storeKey(k));
          if (view) {
            // the informer cache, through its controller-owner index (no API round trip)
            items = view.byIndex(INDEX_OWNER, ing.metadata.uid ?? "").filter((o) =>
              o.metadata.labels?.[INGRESS_LABEL_KEY] === ing.metadata.name
            );
          } else {
            try {
              items = (await client.list({ ...k, namespace: ing.metadata.namespace }, {
                labelSelector: `${INGRESS_LABEL_KEY}=${ing.metadata.name}`,
              })).items;
            } catch (e) {
              if (mine.has(key)) throw e;
              continue; // another provider's kind that this cluster may not serve
            }
          }
          for (const o of items) {
            const full = { ...o, apiVersion: o.apiVersion || k.apiVersion, kind: o.kind || k.kind };
            if (keep.has(`${gvkKey(full)}/${o.metadata.name}`) || !controlledBy(o, ing)) continue;
            try {
              await client.delete({
                ...k,
                namespace: o.metadata.namespace,
                name: o.metadata.name,
              });
            } catch (e) {
              if (!isNotFound(e)) throw e;
            }
          }
        }
      }

      /** Phase: mirror the provider's load balancer status. */
      function writeLoadBalancer(ing: Ingress, st: ProviderStatus): ReconcileResult | void {
        const m = conds.manage(statusOf(ing), d.now);
        if (!st.ready) {
          m.markUnknown(
            "LoadBalancerReady",
            st.reason || "Uninitialized",
            st.message || "Waiting for load balancer to be ready",
          );
          return { requeueAfter: NOT_READY_REQUEUE_MS };
        }
        ing.status!.publicLoadBalancer = st.publicLoadBalancer ?? { ingress: [] };
        ing.status!.privateLoadBalancer = st.privateLoadBalancer ?? { ingress: [] };
        m.markTrue("LoadBalancerReady");
      }

      function pluginFailed(ing: Ingress, e: ProviderFailedError): ReconcileResult {
        const m = conds.manage(statusOf(ing), d.now);
        m.markFalse("NetworkConfigured", "PluginFailed", e.message);
        recorder.event(ing, "Warning", "PluginFailed", e.message);
        return { requeueAfter: PLUGIN_FAILED_REQUEUE_MS };
      }

      return {
        async reconcile(ing) {
          const provider = opts.registry.get(classOf(ing));
          if (!provider) return; // unregistered since the filter ran
          const config = providerConfig(d);
          const m = conds.manage(statusOf(ing), d.now);
          try {
            const desired = await renderDesired(provider, ing, config);
            const observed = await applyDesired(ing, desired);
            await pruneStale(provider, ing, desired);
            m.markTrue("NetworkConfigured");
            return writeLoadBalancer(ing, await provider.status(ing, observed, config));
          } catch (e) {
            if (e instanceof ProviderFailedError) return pluginFailed(ing, e);
            if (e instanceof NotOwnedError) {
              m.markFalse("NetworkConfigured", "NotOwned", e.message);
              return;
            }
            throw e;
          }
        },
        async finalize(ing) {
          const provider = opts.registry.get(classOf(ing));
          if (provider && hasFinalize(provider)) await provider.finalize(ing);
        },
      };
    },
  };
}
