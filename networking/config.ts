/**
 * The configuration handed to ingress providers: raw config-map data by name
 * (so a provider, in-process or WebAssembly, parses what it needs) plus the
 * cluster domain. Also small shared parsing helpers.
 * @module
 */
import type { ProviderConfig } from "../runtime/mod.ts";

/** Namespace of Knative's config maps. */
export const SYSTEM_NAMESPACE = "knative-serving";
/** Default cluster domain. */
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

/** The shape of {@link ProviderConfig} every built-in provider reads. */
export interface NetworkingConfig {
  /** Config-map data by config-map name (`config-network`, `config-istio`, …). */
  configMaps?: Record<string, Record<string, string>>;
  /** Cluster domain, default `cluster.local`. */
  clusterDomain?: string;
  /** Namespace of the config maps, default `knative-serving`. */
  systemNamespace?: string;
}

/** Reads the data of one config map from a provider config (empty when absent). */
export function configMapData(config: ProviderConfig, name: string): Record<string, string> {
  const maps = (config as NetworkingConfig).configMaps;
  return maps?.[name] ?? {};
}

/** The cluster domain of a provider config. */
export function clusterDomainOf(config: ProviderConfig): string {
  return (config as NetworkingConfig).clusterDomain || DEFAULT_CLUSTER_DOMAIN;
}

/** A Kubernetes label selector (`metav1.LabelSelector`). */
export interface LabelSelector {
  /** Exact label matches. */
  matchLabels?: Record<string, string>;
  /** Set-based requirements. */
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether `labels` satisfy `sel` (an empty selector matches everything). */
export function selectorMatches(
  sel: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    switch (e.operator) {
      case "In":
        if (!has || !(e.values ?? []).includes(l[e.key])) return false;
        break;
      case "NotIn":
        if (has && (e.values ?? []).includes(l[e.key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
