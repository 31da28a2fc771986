/**
 * config-features (`serving/pkg/apis/config/features.go`).
 * @module
 */
import { ConfigError, type ConfigMapSpec } from "./parse.ts";

/** Name of the config map. */
export const FEATURES_CONFIG_NAME = "config-features";

/** A feature flag value. */
export type Flag = "Enabled" | "Disabled" | "Allowed" | "AllowRootBounded";

/** Feature keys and their defaults. */
export const FEATURE_DEFAULTS: Readonly<Record<string, Flag>> = {
  "multi-container": "Enabled",
  "multi-container-probing": "Disabled",
  "kubernetes.podspec-affinity": "Disabled",
  "kubernetes.podspec-topologyspreadconstraints": "Disabled",
  "kubernetes.podspec-hostaliases": "Disabled",
  "kubernetes.podspec-fieldref": "Disabled",
  "kubernetes.podspec-nodeselector": "Disabled",
  "kubernetes.podspec-runtimeclassname": "Disabled",
  "kubernetes.podspec-securitycontext": "Disabled",
  "kubernetes.podspec-shareprocessnamespace": "Disabled",
  "kubernetes.podspec-hostipc": "Disabled",
  "kubernetes.podspec-hostpid": "Disabled",
  "kubernetes.podspec-hostnetwork": "Disabled",
  "kubernetes.podspec-priorityclassname": "Disabled",
  "kubernetes.podspec-schedulername": "Disabled",
  "kubernetes.podspec-tolerations": "Disabled",
  "kubernetes.podspec-volumes-emptydir": "Enabled",
  "kubernetes.podspec-volumes-hostpath": "Disabled",
  "kubernetes.podspec-volumes-mount-propagation": "Disabled",
  "kubernetes.podspec-volumes-csi": "Disabled",
  "kubernetes.podspec-volumes-ephemeral": "Disabled",
  "kubernetes.podspec-volumes-image": "Disabled",
  "kubernetes.podspec-init-containers": "Disabled",
  "kubernetes.podspec-persistent-volume-claim": "Disabled",
  "kubernetes.podspec-persistent-volume-write": "Disabled",
  "kubernetes.podspec-dnspolicy": "Disabled",
  "kubernetes.podspec-dnsconfig": "Disabled",
  "kubernetes.containerspec-addcapabilities": "Disabled",
  "queueproxy.mount-podinfo": "Disabled",
  "queueproxy.resource-defaults": "Disabled",
  "secure-pod-defaults": "Disabled",
  "tag-header-based-routing": "Disabled",
  "autodetect-http2": "Disabled",
};

/** Parsed config-features: feature key → flag. */
export type FeaturesConfig = Record<string, Flag>;

const FLAGS: Flag[] = ["Enabled", "Disabled", "Allowed", "AllowRootBounded"];

/** Parses config-features (flag values are case-insensitive). */
export function parseFeaturesConfig(data: Record<string, string>): FeaturesConfig {
  const out: FeaturesConfig = { ...FEATURE_DEFAULTS };
  for (const key of Object.keys(FEATURE_DEFAULTS)) {
    const raw = data[key];
    if (raw === undefined) continue;
    const f = FLAGS.find((x) => x.toLowerCase() === raw.trim().toLowerCase());
    if (!f || (f === "AllowRootBounded" && key !== "secure-pod-defaults")) {
      throw new ConfigError(
        FEATURES_CONFIG_NAME,
        `failed to parse "${key}": ${JSON.stringify(raw)} is not one of Enabled, Disabled, Allowed`,
      );
    }
    out[key] = f;
  }
  return out;
}

/** True when a feature is not Disabled. */
export function featureOn(f: FeaturesConfig, key: string): boolean {
  return (f[key] ?? FEATURE_DEFAULTS[key] ?? "Disabled") !== "Disabled";
}

/** config-features spec. */
export const featuresConfigSpec: ConfigMapSpec<FeaturesConfig> = {
  name: FEATURES_CONFIG_NAME,
  parse: parseFeaturesConfig,
};
