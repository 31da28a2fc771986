/**
 * Gateway API HTTPRoutes from a Knative Ingress, as net-gateway-api's
 * `resources/httproute.go` builds them: one route per Ingress rule. Pure.
 * @module
 */
import type { KubeObject } from "../../runtime/mod.ts";
import {
  type Ingress,
  INGRESS_LABEL_KEY,
  ingressOwnerRef,
  type IngressRule,
  insertProbe,
  ruleVisibility,
  tagToHost,
  VISIBILITY_LABEL_KEY,
  withoutLastApplied,
} from "../ingress.ts";
import type { GatewayConfig, GatewayRef } from "./config.ts";

/** `gateway.networking.k8s.io/v1`. */
export const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";
/** Label naming the tag a route serves. */
export const TAG_LABEL_KEY = "networking.knative.dev/tag";

/** `LongestHost`: the lexicographically last host after sorting. */
export function longestHost(hosts: string[]): string {
  const s = [...hosts].sort();
  return s[s.length - 1] ?? "";
}

function sortedHeaders(m: Record<string, string>): { name: string; value: string }[] {
  return Object.keys(m).sort().map((name) => ({ name, value: m[name] }));
}

function port(p: number | string): number {
  return typeof p === "number" ? p : Number(p) || 0;
}

/** The HTTPRoute rules for one Ingress rule. */
export function makeHTTPRouteRules(gw: GatewayRef, rule: IngressRule): Record<string, unknown>[] {
  return (rule.http?.paths ?? []).map((p) => {
    const filters: Record<string, unknown>[] = [];
    if (p.appendHeaders) {
      filters.push({
        type: "RequestHeaderModifier",
        requestHeaderModifier: { set: sortedHeaders(p.appendHeaders) },
      });
    }
    if (p.rewriteHost) {
      filters.push({ type: "URLRewrite", urlRewrite: { hostname: p.rewriteHost } });
    }
    const backendRefs = p.splits.map((s) => {
      const set = sortedHeaders(s.appendHeaders ?? {});
      return {
        group: "",
        kind: "Service",
        name: s.serviceName,
        port: port(s.servicePort),
        weight: s.percent ?? 0,
        filters: [{
          type: "RequestHeaderModifier",
          requestHeaderModifier: set.length > 0 ? { set } : {},
        }],
      };
    });
    const match: Record<string, unknown> = {
      path: { type: "PathPrefix", value: p.path || "/" },
    };
    const headers = Object.keys(p.headers ?? {}).sort().reverse().map((name) => ({
      type: "Exact",
      name,
      value: p.headers![name].exact,
    }));
    if (headers.length > 0) match.headers = headers;
    const out: Record<string, unknown> = { matches: [match] };
    if (filters.length > 0) out.filters = filters;
    out.backendRefs = backendRefs;
    if (gw.supportedFeatures.includes("HTTPRouteRequestTimeout")) {
      out.timeouts = { request: "0s" };
    }
    return out;
  });
}

/** `MakeHTTPRoute` for one rule of an Ingress (the probe already inserted). */
export function makeHTTPRoute(ing: Ingress, rule: IngressRule, cfg: GatewayConfig): KubeObject {
  const local = ruleVisibility(rule) === "ClusterLocal";
  const gw = local ? cfg.local : cfg.external;
  const hosts = rule.hosts ?? [];
  const labels: Record<string, string> = {
    ...(ing.metadata.labels ?? {}),
    [INGRESS_LABEL_KEY]: ing.metadata.name ?? "",
    [VISIBILITY_LABEL_KEY]: local ? "cluster-local" : "",
  };
  for (const [tag, tagHosts] of Object.entries(tagToHost(ing)).sort()) {
    if (hosts.some((h) => tagHosts.includes(h))) labels[TAG_LABEL_KEY] = tag;
  }
  const meta: KubeObject["metadata"] = {
    name: longestHost(hosts),
    namespace: ing.metadata.namespace,
    labels,
    ownerReferences: [ingressOwnerRef(ing)],
  };
  const ann = withoutLastApplied(ing.metadata.annotations);
  if (Object.keys(ann).length > 0) meta.annotations = ann;
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: "HTTPRoute",
    metadata: meta,
    spec: {
      hostnames: [...hosts],
      parentRefs: [{
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        namespace: gw.namespace,
        name: gw.name,
      }],
      rules: makeHTTPRouteRules(gw, rule),
    },
  };
}

/** All HTTPRoutes of an Ingress: the probe inserted, one route per rule. */
export function makeHTTPRoutes(ing0: Ingress, cfg: GatewayConfig): KubeObject[] {
  const { ingress: ing } = insertProbe(ing0);
  return (ing.spec.rules ?? []).map((r) => makeHTTPRoute(ing, r, cfg));
}
