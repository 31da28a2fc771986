/**
 * Istio VirtualServices from a Knative Ingress, as net-istio's
 * `resources/virtual_service.go` and `resources/gateway.go` build them.
 * Pure functions.
 * @module
 */
import type { KubeObject } from "../../runtime/mod.ts";
import { selectorMatches } from "../config.ts";
import {
  childName,
  expandedHosts,
  type Ingress,
  INGRESS_LABEL_KEY,
  ingressOwnerRef,
  type IngressPath,
  type IngressVisibility,
  insertProbe,
  ROUTE_LABEL_KEY,
  ROUTE_NAMESPACE_LABEL_KEY,
  ruleVisibility,
  serviceHostname,
  sortedSet,
} from "../ingress.ts";
import type { IstioConfig, IstioGateway } from "./config.ts";

/** `networking.istio.io/v1beta1`, the version net-istio writes. */
export const ISTIO_API_VERSION = "networking.istio.io/v1beta1";

/** Gateways (`namespace/name`) per visibility. */
export type GatewaysByVisibility = Record<IngressVisibility, string[]>;

/** `names.IngressVirtualService`. */
export function ingressVirtualServiceName(ing: Ingress): string {
  return childName(ing.metadata.name ?? "", "-ingress");
}

/** `names.MeshVirtualService`. */
export function meshVirtualServiceName(ing: Ingress): string {
  return childName(ing.metadata.name ?? "", "-mesh");
}

/** For one visibility, the gateways whose selector matches the Ingress labels, else the default one. */
export function selectGateways(
  gws: IstioGateway[],
  labels?: Record<string, string>,
): IstioGateway[] {
  const matched = gws.filter((g) => g.labelSelector && selectorMatches(g.labelSelector, labels));
  if (matched.length > 0) return matched;
  return gws.filter((g) => !g.labelSelector);
}

/** `GatewaysFromContext` (without per-Ingress TLS gateways): qualified names per visibility. */
export function gatewaysFor(ing: Ingress, cfg: IstioConfig): GatewaysByVisibility {
  const q = (g: IstioGateway) => `${g.namespace}/${g.name}`;
  return {
    ExternalIP: sortedSet(selectGateways(cfg.ingressGateways, ing.metadata.labels).map(q)),
    ClusterLocal: sortedSet(selectGateways(cfg.localGateways, ing.metadata.labels).map(q)),
  };
}

function allHosts(ing: Ingress): string[] {
  return sortedSet((ing.spec.rules ?? []).flatMap((r) => r.hosts ?? []));
}

function hostPrefix(host: string, clusterDomain: string): string {
  const suffix = `.svc.${clusterDomain}`;
  return host.endsWith(suffix) ? host.slice(0, host.length - suffix.length) : host;
}

/** `getDistinctHostPrefixes`: drops hosts an already kept (shorter) prefix covers. */
export function distinctHostPrefixes(hosts: string[], clusterDomain = "cluster.local"): string[] {
  const kept: string[] = [];
  for (const h0 of sortedSet(hosts)) {
    const h = hostPrefix(h0, clusterDomain);
    if (!kept.some((e) => h.startsWith(e))) kept.push(h);
  }
  return kept.sort();
}

function makeMatch(host: string, p: IngressPath, gateways: string[]): Record<string, unknown> {
  const m: Record<string, unknown> = {
    gateways: sortedSet(gateways),
    authority: { prefix: host },
  };
  if (p.path) m.uri = { prefix: p.path };
  const headers: Record<string, { exact: string }> = {};
  for (const k of Object.keys(p.headers ?? {}).sort()) headers[k] = { exact: p.headers![k].exact };
  if (Object.keys(headers).length > 0) m.headers = headers;
  return m;
}

function makeRoute(
  hosts: string[],
  p: IngressPath,
  gateways: string[],
  clusterDomain: string,
): Record<string, unknown> {
  const route: Record<string, unknown> = {
    match: distinctHostPrefixes(hosts, clusterDomain).map((h) => makeMatch(h, p, gateways)),
    route: p.splits.map((s) => {
      const d: Record<string, unknown> = {
        destination: {
          host: serviceHostname(s.serviceName, s.serviceNamespace, clusterDomain),
          port: {
            number: typeof s.servicePort === "number" ? s.servicePort : Number(s.servicePort),
          },
        },
        weight: s.percent ?? 0,
      };
      if (s.appendHeaders && Object.keys(s.appendHeaders).length > 0) {
        d.headers = { request: { set: { ...s.appendHeaders } } };
      }
      return d;
    }),
  };
  if (p.appendHeaders && Object.keys(p.appendHeaders).length > 0) {
    route.headers = { request: { set: { ...p.appendHeaders } } };
  }
  if (p.rewriteHost) route.rewrite = { authority: p.rewriteHost };
  // An empty retry policy disables Istio's default of retrying twice.
  route.retries = {};
  return route;
}

function makeSpec(
  ing: Ingress,
  gateways: GatewaysByVisibility,
  hosts: string[],
  clusterDomain: string,
): Record<string, unknown> {
  const http: Record<string, unknown>[] = [];
  const used = new Set<string>();
  const hostSet = new Set(hosts);
  for (const rule of ing.spec.rules ?? []) {
    const ruleHosts = (rule.hosts ?? []).filter((h) => hostSet.has(h));
    if (ruleHosts.length === 0) continue;
    for (const p of rule.http?.paths ?? []) {
      const gws = gateways[ruleVisibility(rule)];
      const r = makeRoute(ruleHosts, p, gws, clusterDomain);
      for (const m of r.match as { gateways: string[] }[]) m.gateways.forEach((g) => used.add(g));
      http.push(r);
    }
  }
  return { hosts: sortedSet(hosts), gateways: sortedSet(used), http };
}

function metadataFor(ing: Ingress, name: string): KubeObject["metadata"] {
  const labels: Record<string, string> = {};
  for (const k of [ROUTE_LABEL_KEY, ROUTE_NAMESPACE_LABEL_KEY]) {
    const v = ing.metadata.labels?.[k];
    if (v !== undefined) labels[k] = v;
  }
  labels[INGRESS_LABEL_KEY] = ing.metadata.name ?? "";
  const meta: KubeObject["metadata"] = {
    name,
    namespace: ing.metadata.namespace || "knative-serving",
    labels,
    ownerReferences: [ingressOwnerRef(ing)],
  };
  if (ing.metadata.annotations && Object.keys(ing.metadata.annotations).length > 0) {
    meta.annotations = { ...ing.metadata.annotations };
  }
  return meta;
}

/** `MakeMeshVirtualService`: undefined when the Ingress has no `.svc.<domain>` hosts. */
export function makeMeshVirtualService(
  ing: Ingress,
  gateways: GatewaysByVisibility,
  clusterDomain = "cluster.local",
): KubeObject | undefined {
  let hosts = allHosts(ing).filter((h) => h.endsWith(`.svc.${clusterDomain}`));
  if (gateways.ClusterLocal.length > 0) hosts = expandedHosts(hosts, clusterDomain);
  if (hosts.length === 0) return undefined;
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: "VirtualService",
    metadata: metadataFor(ing, meshVirtualServiceName(ing)),
    spec: makeSpec(ing, { ExternalIP: ["mesh"], ClusterLocal: ["mesh"] }, hosts, clusterDomain),
  };
}

/** `MakeIngressVirtualService`: routes for the ingress and local gateways. */
export function makeIngressVirtualService(
  ing: Ingress,
  gateways: GatewaysByVisibility,
  clusterDomain = "cluster.local",
): KubeObject {
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: "VirtualService",
    metadata: metadataFor(ing, ingressVirtualServiceName(ing)),
    spec: makeSpec(ing, gateways, expandedHosts(allHosts(ing), clusterDomain), clusterDomain),
  };
}

/**
 * `MakeVirtualServices`: inserts the probe paths, then the mesh VirtualService
 * (if any) followed by the ingress VirtualService (if any gateway is needed).
 */
export function makeVirtualServices(
  ing0: Ingress,
  cfg: IstioConfig,
  clusterDomain = "cluster.local",
): KubeObject[] {
  const { ingress: ing } = insertProbe(ing0);
  const gateways = gatewaysFor(ing, cfg);
  const out: KubeObject[] = [];
  const mesh = makeMeshVirtualService(ing, gateways, clusterDomain);
  if (mesh) out.push(mesh);
  const rules = ing.spec.rules ?? [];
  let required = 0;
  if (rules.some((r) => ruleVisibility(r) === "ExternalIP")) required += gateways.ExternalIP.length;
  if (rules.some((r) => ruleVisibility(r) === "ClusterLocal")) {
    required += gateways.ClusterLocal.length;
  }
  if (required > 0) out.push(makeIngressVirtualService(ing, gateways, clusterDomain));
  return out;
}
