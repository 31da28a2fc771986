/**
 * `config-istio` parsing (net-istio `pkg/reconciler/ingress/config/istio.go`).
 * @module
 */
import { parse as parseYaml } from "yaml";
import type { LabelSelector } from "../config.ts";

/** One configured Istio gateway. */
export interface IstioGateway {
  /** Gateway namespace. */
  namespace: string;
  /** Gateway name. */
  name: string;
  /** The gateway's Kubernetes Service hostname. */
  service: string;
  /** Ingresses whose labels match use this gateway. */
  labelSelector?: LabelSelector;
}

/** Parsed `config-istio`. */
export interface IstioConfig {
  /** Gateways for ExternalIP rules. */
  ingressGateways: IstioGateway[];
  /** Gateways for ClusterLocal rules. */
  localGateways: IstioGateway[];
}

/** The default external gateway. */
export const DEFAULT_INGRESS_GATEWAY: IstioGateway = {
  namespace: "knative-serving",
  name: "knative-ingress-gateway",
  service: "istio-ingressgateway.istio-system.svc.cluster.local",
};
/** The default cluster-local gateway. */
export const DEFAULT_LOCAL_GATEWAY: IstioGateway = {
  namespace: "knative-serving",
  name: "knative-local-gateway",
  service: "knative-local-gateway.istio-system.svc.cluster.local",
};

function parseNewFormat(data: Record<string, string>, key: string): IstioGateway[] | undefined {
  const raw = data[key];
  if (raw === undefined) return undefined;
  const v = parseYaml(raw) as unknown;
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`config-istio ${key}: expected a list`);
  return v.map((e, i) => {
    const g = e as Record<string, unknown>;
    if (typeof g?.name !== "string" || typeof g.namespace !== "string" || !g.name || !g.namespace) {
      throw new Error(`config-istio ${key}[${i}]: name and namespace are required`);
    }
    if (typeof g.service !== "string" || !g.service) {
      throw new Error(`config-istio ${key}[${i}]: service is required`);
    }
    const out: IstioGateway = { namespace: g.namespace, name: g.name, service: g.service };
    if (g.labelSelector) out.labelSelector = g.labelSelector as LabelSelector;
    return out;
  });
}

function parseOldFormat(data: Record<string, string>, prefix: string): IstioGateway[] {
  const out: IstioGateway[] = [];
  for (const key of Object.keys(data).sort()) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf(".");
    if (dot <= 0) continue; // e.g. the legacy `local-gateway.mesh: mesh`
    out.push({ namespace: rest.slice(0, dot), name: rest.slice(dot + 1), service: data[key] });
  }
  return out;
}

function validate(kind: string, gws: IstioGateway[]): void {
  if (gws.length === 0) return;
  const plain = gws.filter((g) => !g.labelSelector).length;
  if (plain !== 1) {
    throw new Error(
      `config-istio ${kind}: exactly one gateway without labelSelector is required, got ${plain}`,
    );
  }
}

/**
 * Parses `config-istio` data. New-format keys `external-gateways` /
 * `local-gateways` win over old `gateway.<ns>.<name>` / `local-gateway.<ns>.<name>`
 * keys; with neither, the defaults apply. Both lists `[]` means mesh-only.
 */
export function parseIstioConfig(data: Record<string, string>): IstioConfig {
  const ext = parseNewFormat(data, "external-gateways") ?? parseOldFormat(data, "gateway.");
  const loc = parseNewFormat(data, "local-gateways") ?? parseOldFormat(data, "local-gateway.");
  const ingressGateways = ext.length === 0 && data["external-gateways"] === undefined
    ? [DEFAULT_INGRESS_GATEWAY]
    : ext;
  const localGateways = loc.length === 0 && data["local-gateways"] === undefined
    ? [DEFAULT_LOCAL_GATEWAY]
    : loc;
  validate("external-gateways", ingressGateways);
  validate("local-gateways", localGateways);
  return { ingressGateways, localGateways };
}
