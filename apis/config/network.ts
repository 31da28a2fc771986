/**
 * config-network (`networking/pkg/config/config.go`).
 * @module
 */
import { ConfigError, type ConfigMapSpec, Reader } from "./parse.ts";
import { CERT_MANAGER_CERTIFICATE_CLASS, ISTIO_INGRESS_CLASS } from "../networking/register.ts";

/** Name of the config map. */
export const NETWORK_CONFIG_NAME = "config-network";

/** Default domain template. */
export const DEFAULT_DOMAIN_TEMPLATE = "{{.Name}}.{{.Namespace}}.{{.Domain}}";
/** Default tag template. */
export const DEFAULT_TAG_TEMPLATE = "{{.Tag}}-{{.Name}}";

/** Encryption/TLS mode. */
export type TLSMode = "Enabled" | "Disabled";
/** HTTP protocol mode. */
export type HTTPProtocol = "Enabled" | "Redirected" | "Disabled";

/** Parsed config-network. */
export interface NetworkConfig {
  /** `ingress-class`. */
  defaultIngressClass: string;
  /** `certificate-class`. */
  defaultCertificateClass: string;
  /** `domain-template`. */
  domainTemplate: string;
  /** `tag-template`. */
  tagTemplate: string;
  /** `external-domain-tls`. */
  externalDomainTLS: TLSMode;
  /** `cluster-local-domain-tls`. */
  clusterLocalDomainTLS: TLSMode;
  /** `system-internal-tls`. */
  systemInternalTLS: TLSMode;
  /** `http-protocol`. */
  httpProtocol: HTTPProtocol;
  /** `rollout-duration` ms. */
  rolloutDurationMs: number;
  /** `autocreate-cluster-domain-claims`. */
  autocreateClusterDomainClaims: boolean;
  /** `enable-mesh-pod-addressability`. */
  enableMeshPodAddressability: boolean;
  /** `mesh-compatibility-mode` (`auto`|`enabled`|`disabled`). */
  meshCompatibilityMode: string;
  /** `default-external-scheme` (`http`|`https`). */
  defaultExternalScheme: string;
  /** `namespace-wildcard-cert-selector` (YAML label selector, kept raw). */
  namespaceWildcardCertSelector?: string;
}

/**
 * Renders a Go text/template of the `{{.Field}}` / `{{index .Map "key"}}` forms
 * Knative templates use. Throws on unknown fields or unsupported actions.
 */
export function renderTemplate(tpl: string, data: Record<string, unknown>): string {
  return tpl.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_m, action: string) => {
    let m = /^\.(\w+)$/.exec(action);
    if (m) {
      if (!(m[1] in data)) throw new Error(`can't evaluate field ${m[1]}`);
      return String(data[m[1]]);
    }
    m = /^index\s+\.(\w+)\s+"([^"]*)"$/.exec(action);
    if (m) {
      const mp = data[m[1]] as Record<string, string> | undefined;
      return mp?.[m[2]] ?? "";
    }
    throw new Error(`unsupported template action {{${action}}}`);
  });
}

function tlsMode(r: Reader, keys: string[], def: TLSMode): TLSMode {
  const v = r.optString(keys);
  if (v === undefined) return def;
  if (v.toLowerCase() === "enabled") return "Enabled";
  if (v.toLowerCase() === "disabled" || v === "") return "Disabled";
  return r.invalid(keys[0], `unsupported value ${JSON.stringify(v)}, want Enabled or Disabled`);
}

/** Parses config-network. */
export function parseNetworkConfig(data: Record<string, string>): NetworkConfig {
  const r = new Reader(NETWORK_CONFIG_NAME, data);
  const c: NetworkConfig = {
    defaultIngressClass: r.string(["ingress-class", "ingress.class"], ISTIO_INGRESS_CLASS),
    defaultCertificateClass: r.string(
      ["certificate-class", "certificate.class"],
      CERT_MANAGER_CERTIFICATE_CLASS,
    ),
    domainTemplate: r.string(["domain-template", "domainTemplate"], DEFAULT_DOMAIN_TEMPLATE),
    tagTemplate: r.string(["tag-template", "tagTemplate"], DEFAULT_TAG_TEMPLATE),
    externalDomainTLS: tlsMode(r, ["external-domain-tls", "auto-tls", "autoTLS"], "Disabled"),
    clusterLocalDomainTLS: tlsMode(r, ["cluster-local-domain-tls"], "Disabled"),
    systemInternalTLS: "Disabled",
    httpProtocol: "Enabled",
    rolloutDurationMs: 0,
    autocreateClusterDomainClaims: r.bool("autocreate-cluster-domain-claims", false),
    enableMeshPodAddressability: r.bool("enable-mesh-pod-addressability", false),
    meshCompatibilityMode: r.string("mesh-compatibility-mode", "auto").toLowerCase(),
    defaultExternalScheme: r.string("default-external-scheme", "http").toLowerCase(),
    namespaceWildcardCertSelector: r.optString("namespace-wildcard-cert-selector"),
  };
  if ("system-internal-tls" in data) {
    c.systemInternalTLS = tlsMode(r, ["system-internal-tls"], "Disabled");
  } else if ("internal-encryption" in data) {
    c.systemInternalTLS = r.bool("internal-encryption", false) ? "Enabled" : "Disabled";
  }
  const hp = r.optString(["http-protocol", "httpProtocol"]);
  if (hp !== undefined) {
    const v = hp.toLowerCase();
    if (v === "enabled") c.httpProtocol = "Enabled";
    else if (v === "redirected") c.httpProtocol = "Redirected";
    else if (v === "disabled") c.httpProtocol = "Disabled";
    else {r.invalid(
        "http-protocol",
        `httpProtocol ${hp} in config-network ConfigMap is not supported`,
      );}
  }
  const rd = r.optString(["rollout-duration", "rolloutDuration"]);
  if (rd !== undefined) {
    c.rolloutDurationMs = r.duration(["rollout-duration", "rolloutDuration"], 0);
    if (c.rolloutDurationMs < 0) {
      r.invalid("rollout-duration", `must be a non-negative duration, was: ${rd}`);
    }
  }
  if (!["auto", "enabled", "disabled"].includes(c.meshCompatibilityMode)) {
    r.invalid(
      "mesh-compatibility-mode",
      `unsupported value ${JSON.stringify(c.meshCompatibilityMode)}`,
    );
  }
  if (!["http", "https"].includes(c.defaultExternalScheme)) {
    r.invalid(
      "default-external-scheme",
      `unsupported value ${JSON.stringify(c.defaultExternalScheme)}`,
    );
  }
  checkDomainTemplate(c.domainTemplate);
  checkTagTemplate(c.tagTemplate);
  return c;
}

function checkDomainTemplate(t: string): void {
  let out: string;
  try {
    out = renderTemplate(t, {
      Name: "foo",
      Namespace: "bar",
      Domain: "baz.com",
      Annotations: {},
      Labels: {},
    });
  } catch (e) {
    throw new ConfigError(NETWORK_CONFIG_NAME, `domain-template: ${(e as Error).message}`);
  }
  let u: URL | undefined;
  try {
    u = new URL(`https://${out}`);
  } catch {
    u = undefined;
  }
  if (!u || u.hostname === "" || (u.pathname !== "/" && u.pathname !== "")) {
    throw new ConfigError(
      NETWORK_CONFIG_NAME,
      `domain-template: ${JSON.stringify(t)} must render to a host without a path, got ${
        JSON.stringify(out)
      }`,
    );
  }
}

function checkTagTemplate(t: string): void {
  try {
    renderTemplate(t, { Name: "foo", Tag: "v2" });
  } catch (e) {
    throw new ConfigError(NETWORK_CONFIG_NAME, `tag-template: ${(e as Error).message}`);
  }
}

/** config-network spec. */
export const networkConfigSpec: ConfigMapSpec<NetworkConfig> = {
  name: NETWORK_CONFIG_NAME,
  parse: parseNetworkConfig,
};
