/**
 * `config-gateway` parsing (net-gateway-api `pkg/reconciler/ingress/config/gateway.go`).
 * @module
 */
import { parse as parseYaml } from "yaml";

/** One configured Gateway API gateway. */
export interface GatewayRef {
  /** GatewayClass name. */
  class: string;
  /** Gateway namespace. */
  namespace: string;
  /** Gateway name. */
  name: string;
  /** The gateway's Service (`namespace/name`), if configured. */
  service?: { namespace: string; name: string };
  /** Gateway API features the implementation supports. */
  supportedFeatures: string[];
  /** Whether the gateway speaks the PROXY protocol. */
  proxyProtocolEnabled?: boolean;
}

/** Parsed `config-gateway`. */
export interface GatewayConfig {
  /** The gateway for ExternalIP rules. */
  external: GatewayRef;
  /** The gateway for ClusterLocal rules. */
  local: GatewayRef;
}

/** Default external gateway. */
export const DEFAULT_EXTERNAL_GATEWAY: GatewayRef = {
  class: "istio",
  namespace: "istio-system",
  name: "knative-gateway",
  service: { namespace: "istio-system", name: "istio-ingressgateway" },
  supportedFeatures: ["HTTPRouteRequestTimeout"],
};
/** Default cluster-local gateway. */
export const DEFAULT_LOCAL_GATEWAY: GatewayRef = {
  class: "istio",
  namespace: "istio-system",
  name: "knative-local-gateway",
  service: { namespace: "istio-system", name: "knative-local-gateway" },
  supportedFeatures: ["HTTPRouteRequestTimeout"],
};

function nsName(v: unknown, what: string): { namespace: string; name: string } {
  const parts = typeof v === "string" ? v.split("/") : [];
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Error(`config-gateway: ${what} must be "namespace/name", got ${JSON.stringify(v)}`);
  }
  return { namespace: parts[0], name: parts[1] };
}

function parseList(data: Record<string, string>, key: string, dflt: GatewayRef): GatewayRef {
  const raw = data[key];
  if (raw === undefined) return dflt;
  const v = parseYaml(raw) as unknown;
  if (!Array.isArray(v) || v.length !== 1) {
    throw new Error(`config-gateway ${key}: exactly one gateway is required`);
  }
  const e = v[0] as Record<string, unknown>;
  const gw = nsName(e.gateway, `${key}[0].gateway`);
  const out: GatewayRef = {
    class: typeof e.class === "string" ? e.class : "",
    namespace: gw.namespace,
    name: gw.name,
    supportedFeatures: Array.isArray(e["supported-features"])
      ? (e["supported-features"] as unknown[]).map(String)
      : [],
  };
  if (!out.class) throw new Error(`config-gateway ${key}[0]: class is required`);
  if (e.service !== undefined) out.service = nsName(e.service, `${key}[0].service`);
  if (e["proxy-protocol-enabled"] !== undefined) {
    out.proxyProtocolEnabled = e["proxy-protocol-enabled"] === true;
  }
  return out;
}

/** Parses `config-gateway` data; absent keys take the defaults. */
export function parseGatewayConfig(data: Record<string, string>): GatewayConfig {
  return {
    external: parseList(data, "external-gateways", DEFAULT_EXTERNAL_GATEWAY),
    local: parseList(data, "local-gateways", DEFAULT_LOCAL_GATEWAY),
  };
}
